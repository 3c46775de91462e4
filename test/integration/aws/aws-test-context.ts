import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createResources, createTable, emulatorClientConfig, type AwsResources } from '../../support/aws-resources.js';
import { startEmulator, type Emulator } from '../../support/emulator.js';
import { startSerializingProxy, type SerializingProxy } from '../../support/serializing-proxy.js';

/**
 * Starts the emulator and creates this file's table and queues before its tests,
 * and removes them after. Read `aws()` inside tests (it throws before setup).
 */
export function useAwsResources(): () => AwsResources {
  let emulator: Emulator | undefined;
  let resources: AwsResources | undefined;
  beforeAll(async () => {
    emulator = await startEmulator();
    resources = await createResources(emulator.endpoint);
  });
  afterAll(async () => {
    await resources?.dispose();
    await emulator?.stop();
  });
  return () => {
    if (!resources) throw new Error('AWS resources are not set up yet');
    return resources;
  };
}

/**
 * A new, empty table (from the schema) on each call, for suites whose tests each
 * need storage that no other test sees (contract suites). The tables a test made are
 * deleted after it.
 */
export function useFreshTables(aws: () => AwsResources): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    const names = made.splice(0);
    await Promise.all(names.map((TableName) => aws().dynamodb.send(new DeleteTableCommand({ TableName }))));
  });
  return async () => {
    const name = await createTable(aws().dynamodb);
    made.push(name);
    return name;
  };
}

/**
 * A document client whose requests reach the emulator one at a time, through a
 * serializing proxy (test/support/serializing-proxy.ts) started on first use: moto
 * does not serialize concurrent conditional writes to one item, DynamoDB does. Race
 * tests send their concurrent requests through it.
 */
export function useSerializedClient(aws: () => AwsResources): () => Promise<DynamoDBDocumentClient> {
  let proxy: SerializingProxy | undefined;
  let raw: DynamoDBClient | undefined;
  let ready: Promise<DynamoDBDocumentClient> | undefined;
  afterAll(async () => {
    raw?.destroy();
    await proxy?.close();
  });
  const start = async (): Promise<DynamoDBDocumentClient> => {
    proxy = await startSerializingProxy(aws().endpoint);
    raw = new DynamoDBClient(emulatorClientConfig(proxy.endpoint));
    return DynamoDBDocumentClient.from(raw);
  };
  return () => (ready ??= start());
}
