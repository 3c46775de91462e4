import type { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  Table,
  TableEncryption,
  type Attribute,
} from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { tableSchema, type KeyAttribute } from '../lib/index.js';

/** Settings of {@link createExecutionTable}. */
export interface ExecutionTableOptions {
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
  encryptionKey: IKey | undefined;
}

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING };
}

const PROJECTIONS = { KEYS_ONLY: ProjectionType.KEYS_ONLY } as const;

/**
 * The engine's one table, declared from `tableSchema` (lib/aws/schema/table-schema.ts): the
 * same keys, TTL attribute and indexes as the tables test setup creates. On demand,
 * point-in-time recovery on, encrypted with the AWS managed key unless a customer key
 * is given. No physical name: CloudFormation names it and the functions get it in
 * TABLE_NAME.
 */
export function createExecutionTable(scope: Construct, id: string, options: ExecutionTableOptions): Table {
  const table = new Table(scope, id, {
    partitionKey: attribute(tableSchema.partitionKey),
    sortKey: attribute(tableSchema.sortKey),
    billingMode: BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: tableSchema.timeToLiveAttribute,
    removalPolicy: options.removalPolicy,
    deletionProtection: options.deletionProtection,
    ...(options.encryptionKey
      ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: options.encryptionKey }
      : { encryption: TableEncryption.AWS_MANAGED }),
  });
  for (const index of tableSchema.indexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.name,
      partitionKey: attribute(index.partitionKey),
      sortKey: attribute(index.sortKey),
      projectionType: PROJECTIONS[index.projection],
    });
  }
  return table;
}
