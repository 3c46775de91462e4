import { Effect, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { IndexNames, LIMITS_PK } from '../lib/index.js';

/**
 * The DynamoDB actions each function calls, read from lib/aws (TransactWriteItems is
 * authorized as the PutItem and UpdateItem inside it; there is no IAM action of its own):
 *
 * - step worker: claim and lease renewal (UpdateItem), commit (TransactWriteItems: PutItem
 *   of the checkpoint + UpdateItem of the head), retry/fail/park (UpdateItem), and a
 *   consistent GetItem of the head when its cached copy is stale. Pages of bulk jobs
 *   (their messages come on the same queue): GetItem/PutItem of the job record, a
 *   listing (Query of `byWorkflow` / `byState`, BatchGetItem of the heads), and the
 *   actions (UpdateItem; a redrive of a cancelled execution is a rewind:
 *   TransactWriteItems of PutItem and UpdateItem, GetItem of its checkpoint). Limited
 *   steps: consistent GetItem and conditional PutItem of `LIMITS` / `KEY#<key>` records.
 * - sweeper: Query of the sparse `active` index, BatchGetItem of the heads it names,
 *   and a conditional UpdateItem of a head it re-sent a message for (its sweepAt); a
 *   Query of the `LIMITS` partition to publish the limit keys' use (that partition only,
 *   see {@link grantLimitRecordsQuery}).
 * - API: create (TransactWriteItems of head, checkpoint 0 and idempotency record; GetItem
 *   of an earlier execution; DeleteItem of a stale idempotency record; Query and
 *   BatchWriteItem to clear leftovers), get (GetItem, Query of checkpoints), list (Query of
 *   `byWorkflow` / `byState`, BatchGetItem of the heads), counts (COUNT Query of
 *   `byState`), control actions (UpdateItem,
 *   GetItem), delete (DeleteItem, Query, BatchWriteItem), limits (Query of the `LIMITS`
 *   partition).
 */
export const TABLE_ACTIONS = {
  'step-worker': {
    table: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    indexes: [IndexNames.byWorkflow, IndexNames.byState],
  },
  sweeper: { table: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'], indexes: [IndexNames.active] },
  api: {
    table: [
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ],
    indexes: [IndexNames.byWorkflow, IndexNames.byState],
  },
} as const satisfies Record<string, { table: readonly string[]; indexes: readonly string[] }>;

/** What the SQS event source mapping does with the worker's role: receive, delete, hide longer, read attributes. */
export const EVENT_SOURCE_ACTIONS = [
  'sqs:ChangeMessageVisibility',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
  'sqs:ReceiveMessage',
] as const;

/**
 * The deploy check's read-only table actions (lib/aws list by state: Query of the
 * `byState` index, BatchGetItem of the heads it names; GetItem for a head read alone).
 */
export const DEPLOY_CHECK_ACTIONS = {
  table: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'],
  indexes: [IndexNames.byState],
} as const;

/** The one partition the sweeper may Query on the table itself: the limit records. */
export const LIMIT_RECORDS_QUERY = { action: 'dynamodb:Query', leadingKey: LIMITS_PK } as const;

/**
 * Grants Query on the table limited by `dynamodb:LeadingKeys` to the `LIMITS`
 * partition, so the sweeper reads the limit records and no execution's items.
 */
export function grantLimitRecordsQuery(role: Role, table: Table): void {
  role.addToPrincipalPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: [LIMIT_RECORDS_QUERY.action],
      resources: [table.tableArn],
      conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [LIMIT_RECORDS_QUERY.leadingKey] } },
    }),
  );
}

/** KMS actions on a customer managed table key, for functions that only read / also write. */
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE_ACTIONS = [
  ...KEY_READ_ACTIONS,
  'kms:Encrypt',
  'kms:GenerateDataKey',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
];

/** The ARN of one index of `table`. */
export function indexArn(table: Table, indexName: string): string {
  return `${table.tableArn}/index/${indexName}`;
}

/** Everything one function may do: its table actions, SendMessage on the step queue, and optionally consuming it. */
export interface Permissions {
  role: Role;
  access: (typeof TABLE_ACTIONS)[keyof typeof TABLE_ACTIONS];
  table: Table;
  tableKey: IKey | undefined;
  queue: Queue;
  consumesQueue?: boolean;
}

/**
 * Grants exactly the actions of {@link TABLE_ACTIONS} on the table and the named
 * indexes (Query only), `sqs:SendMessage` on the step queue, and for the worker the
 * event source mapping's actions on it. Nothing on other indexes, no `*` resources.
 */
export function grantHandlerPermissions(p: Permissions): void {
  const add = (actions: readonly string[], resources: string[]): void => {
    p.role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: [...actions], resources }));
  };
  add(p.access.table, [p.table.tableArn]);
  if (p.access.indexes.length > 0) {
    add(
      ['dynamodb:Query'],
      p.access.indexes.map((name) => indexArn(p.table, name)),
    );
  }
  add(p.consumesQueue ? ['sqs:SendMessage', ...EVENT_SOURCE_ACTIONS] : ['sqs:SendMessage'], [p.queue.queueArn]);
  if (p.tableKey) {
    const writes = p.access.table.some(
      (a) => !['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'].includes(a),
    );
    add(writes ? KEY_WRITE_ACTIONS : KEY_READ_ACTIONS, [p.tableKey.keyArn]);
  }
}

/**
 * Grants the deploy check {@link DEPLOY_CHECK_ACTIONS} on the table, Query on the
 * `byState` index, and with a customer managed key only Decrypt and DescribeKey.
 * No write of any kind, no queue.
 */
export function grantDeployCheckRead(role: Role, table: Table, tableKey: IKey | undefined): void {
  const add = (actions: readonly string[], resources: string[]): void => {
    role.addToPrincipalPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: [...actions], resources }));
  };
  add(DEPLOY_CHECK_ACTIONS.table, [table.tableArn]);
  add(
    ['dynamodb:Query'],
    DEPLOY_CHECK_ACTIONS.indexes.map((name) => indexArn(table, name)),
  );
  if (tableKey) add(KEY_READ_ACTIONS, [tableKey.keyArn]);
}
