import { describe } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { executionStoreContract } from '../../contract/execution-store-contract.js';
import { useAwsResources, useFreshTables, useSerializedClient } from './aws-test-context.js';

const aws = useAwsResources();
const freshTable = useFreshTables(aws);
const serializedClient = useSerializedClient(aws);

describe('DynamoDbExecutionStore (emulator)', () => {
  executionStoreContract(async (options = {}) => {
    const tableName = await freshTable();
    const store = new DynamoDbExecutionStore({ client: aws().documentClient, tableName, ...options });
    // Another worker: its own instance (and head cache), its requests serialized per
    // item as DynamoDB applies them (moto does not).
    const another = async () => new DynamoDbExecutionStore({ client: await serializedClient(), tableName, ...options });
    return { store, another };
  });
});
