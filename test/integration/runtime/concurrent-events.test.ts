import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ControlPlane, defineWorkflow, DynamoDbExecutionStore, WorkflowRegistry } from '../../../lib/index.js';
import { emulatorClientConfig } from '../../support/aws-resources.js';
import { startSerializingProxy } from '../../support/serializing-proxy.js';
import { useAwsResources } from '../aws/aws-test-context.js';
import { scenario } from './scenario-harness.js';

const aws = useAwsResources();

describe('events sent concurrently on DynamoDB and SQS (moto)', () => {
  it('completes 50 waiting executions exactly once when 5 clients send each its event at the same time', async () => {
    const runs = new Map<string, number>();
    const workflows = new WorkflowRegistry();
    workflows.register(
      defineWorkflow<{ got?: unknown }>({
        name: 'await',
        steps: [
          { name: 'wait', fn: (s, ctx) => ctx.waitForEvent('go', { state: s }) },
          {
            name: 'after',
            fn: (_s, ctx) => {
              runs.set(ctx.executionId, (runs.get(ctx.executionId) ?? 0) + 1);
              return { got: ctx.event?.payload };
            },
          },
        ],
      }),
    );
    // moto applies concurrent writes without locking; DynamoDB orders them. The proxy
    // gives moto that order, while every client stays concurrent.
    const proxy = await startSerializingProxy(aws().endpoint);
    const clients = Array.from({ length: 6 }, () =>
      DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClientConfig(proxy.endpoint))),
    );
    const stores = clients.map((client) => new DynamoDbExecutionStore({ client, tableName: aws().tableName }));
    const s = scenario(aws(), workflows, { store: stores[0]! });
    const senders = stores.slice(1).map((store) => new ControlPlane({ ...s.deps, store }));
    const ids = await Promise.all(
      Array.from({ length: 50 }, () => s.control.start({ workflow: 'await', input: {} }).then((r) => r.head.id)),
    );
    await s.drain();
    for (const id of ids) expect((await s.control.get(id)).head.state).toBe('waiting');

    const sends = await Promise.all(
      senders.flatMap((control, c) =>
        ids.map((id) => control.sendEvent(id, { type: 'go', payload: { from: c }, eventId: `go-${id}` })),
      ),
    );
    const deliveries = new Map<string, string[]>();
    for (const { head, delivery } of sends) deliveries.set(head.id, [...(deliveries.get(head.id) ?? []), delivery]);
    for (const id of ids)
      expect(deliveries.get(id)?.sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'resumed']);

    await s.drain();
    for (const id of ids) {
      const head = (await s.control.get(id)).head;
      // The store remembers the id (a SEEN# record), not the head: it stays small.
      expect(head).toMatchObject({ state: 'completed', stepRuns: 2, seenEventIds: [] });
      expect(head.data).toEqual({ got: { from: expect.any(Number) } });
    }
    expect(runs.size).toBe(50);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    for (const client of clients) client.destroy();
    await proxy.close();
  }, 180_000);
});
