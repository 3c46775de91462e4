import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** What every DynamoDB operation of the adapters needs: the injected client and the table. */
export interface TableContext {
  client: DynamoDBDocumentClient;
  tableName: string;
  /** The item size limit enforced before writing (at most DynamoDB's 400 KB). */
  maxItemBytes: number;
}

/** An item in the document client's plain form (attribute name to plain value). */
export type Item = Record<string, unknown>;

/** The key of a table item. */
export interface TableKey {
  pk: string;
  sk: string;
  [attr: string]: string;
}
