import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { IndexNames } from '../../lib/aws/schema/table-schema.js';
import type { Shard } from './worker-config.js';

/**
 * The driver's view of progress while the run goes on, read from the `byState`
 * index with a fault-free client: how many executions are unfinished, and which
 * are in a given state.
 */
export class TableWatch {
  readonly #client: DynamoDBDocumentClient;
  readonly #shards: Shard[];

  constructor(client: DynamoDBDocumentClient, shards: Shard[]) {
    this.#client = client;
    this.#shards = shards;
  }

  /** Execution ids in `state`, across the shards, with the shard of each. */
  async idsIn(state: string): Promise<{ id: string; shard: number }[]> {
    const all = await Promise.all(
      this.#shards.map(async (shard) => {
        const ids: { id: string; shard: number }[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          const page = await this.#client.send(
            new QueryCommand({
              TableName: shard.tableName,
              IndexName: IndexNames.byState,
              KeyConditionExpression: '#s = :s',
              ExpressionAttributeNames: { '#s': 'state' },
              ExpressionAttributeValues: { ':s': state },
              ExclusiveStartKey: start,
            }),
          );
          for (const item of page.Items ?? []) ids.push({ id: String(item['pk']).slice(5), shard: shard.index });
          start = page.LastEvaluatedKey;
        } while (start);
        return ids;
      }),
    );
    return all.flat();
  }

  /** The executions running, waiting or paused now. */
  async unfinished(): Promise<Set<string>> {
    const states = await Promise.all(['running', 'waiting', 'paused'].map((state) => this.idsIn(state)));
    return new Set(states.flat().map((e) => e.id));
  }
}
