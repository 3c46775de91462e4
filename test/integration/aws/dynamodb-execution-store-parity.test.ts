import { describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { InMemoryExecutionStore } from '../../../lib/testing/in-memory-execution-store.js';
import type { ExecutionStore } from '../../../lib/runtime/ports.js';
import { useAwsResources } from './aws-test-context.js';
import { newExecution } from './fixtures.js';

const aws = useAwsResources();

/** What an operation gave: its value, or the error's class, code and carried head. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { value: JSON.parse(JSON.stringify((await run()) ?? null)) as unknown };
  } catch (err) {
    const e = err as { name?: string; code?: string; current?: unknown; state?: string };
    return { error: e.name, code: e.code, current: e.current, state: e.state };
  }
}

type Step = (s: ExecutionStore) => Promise<unknown>;

describe('DynamoDbExecutionStore parity with InMemoryExecutionStore (emulator)', () => {
  it('gives the same result as the in-memory store for every call of a long scenario', async () => {
    const exec = newExecution({ now: 0, sweepAt: 100, stepNames: ['a', 'b', 'c'], idempotencyKey: `k-${Date.now()}` });
    const { id } = exec;
    const err = { code: 'STEP_FAILED', message: 'boom' };
    const ev = (type: 'step_completed' | 'paused' | 'resumed' | 'step_failed', at: number) => ({ type, step: 0, at });
    const steps: Step[] = [
      (s) => s.create(exec),
      (s) => s.create({ ...exec, id: `${id}-dup` }),
      (s) => s.claim({ id, token: 0, owner: 'w1', now: 10, step: 0, leaseMs: 100 }),
      (s) => s.claim({ id, token: 0, owner: 'w2', now: 20, step: 0, leaseMs: 100 }),
      (s) => s.extendLease({ id, token: 0, owner: 'w1', now: 30, leaseMs: 100 }),
      (s) => s.extendLease({ id, token: 0, owner: 'w2', now: 30, leaseMs: 100 }),
      (s) => s.commit({ id, token: 0, owner: 'w2', now: 40, step: 0, output: 1, sweepAt: 200, events: [] }),
      (s) =>
        s.commit({
          id,
          token: 0,
          owner: 'w1',
          now: 40,
          step: 0,
          output: { a: [1] },
          sweepAt: 200,
          events: [ev('step_completed', 40)],
        }),
      (s) => s.commit({ id, token: 0, owner: 'w1', now: 41, step: 0, output: 2, sweepAt: 200, events: [] }),
      (s) => s.claim({ id, token: 1, owner: 'w3', now: 50, step: 1, leaseMs: 100 }),
      (s) =>
        s.releaseForRetry({
          id,
          token: 1,
          owner: 'w3',
          now: 60,
          error: err,
          sweepAt: 300,
          events: [ev('step_failed', 60)],
        }),
      (s) => s.claim({ id, token: 2, owner: 'w4', now: 70, step: 1, leaseMs: 100 }),
      (s) =>
        s.transition({
          id,
          from: ['running'],
          to: 'paused',
          now: 75,
          bumpVersion: false,
          event: ev('paused', 75),
          action: 'pause',
        }),
      (s) => s.extendLease({ id, token: 2, owner: 'w4', now: 76, leaseMs: 100 }),
      (s) => s.commit({ id, token: 2, owner: 'w4', now: 80, step: 1, output: 'two', sweepAt: 400, events: [] }),
      (s) => s.claim({ id, token: 3, owner: 'w5', now: 90, step: 2, leaseMs: 100 }),
      (s) =>
        s.transition({
          id,
          from: ['paused'],
          to: 'running',
          now: 95,
          bumpVersion: true,
          sweepAt: 500,
          event: ev('resumed', 95),
          action: 'resume',
        }),
      (s) =>
        s.transition({
          id,
          from: ['paused'],
          to: 'running',
          now: 96,
          bumpVersion: true,
          event: ev('resumed', 96),
          action: 'resume',
        }),
      (s) => s.claim({ id, token: 4, owner: 'w6', now: 100, step: 2, leaseMs: 100 }),
      (s) =>
        s.park({
          id,
          token: 4,
          owner: 'w6',
          now: 110,
          error: { code: 'STEP_NOT_REGISTERED', message: 'c' },
          events: [],
        }),
      (s) =>
        s.transition({
          id,
          from: ['paused'],
          to: 'running',
          now: 120,
          bumpVersion: true,
          sweepAt: 600,
          event: ev('resumed', 120),
          action: 'resume',
        }),
      (s) => s.claim({ id, token: 5, owner: 'w7', now: 130, step: 2, leaseMs: 100 }),
      (s) => s.fail({ id, token: 5, owner: 'w7', now: 140, error: err, events: [ev('step_failed', 140)] }),
      (s) =>
        s.transition({
          id,
          from: ['failed'],
          to: 'running',
          now: 150,
          bumpVersion: true,
          resetAttempts: true,
          sweepAt: 700,
          event: ev('resumed', 150),
          action: 'retry',
        }),
      (s) => s.findStalled({ now: 700, dueBefore: 700, limit: 5 }),
      (s) => s.claim({ id, token: 6, owner: 'w8', now: 160, step: 2, leaseMs: 100 }),
      (s) =>
        s.commit({
          id,
          token: 6,
          owner: 'w8',
          now: 170,
          step: 2,
          output: 'three',
          sweepAt: 800,
          events: [ev('step_completed', 170)],
        }),
      (s) => s.get(id),
      (s) => s.listCheckpoints(id, { limit: 10 }),
      (s) =>
        s.transition({
          id,
          from: ['running'],
          to: 'paused',
          now: 180,
          bumpVersion: false,
          event: ev('paused', 180),
          action: 'pause',
        }),
      (s) => s.delete(id),
      (s) => s.get(id),
      (s) => s.delete(id),
    ];
    const memory = new InMemoryExecutionStore();
    const dynamo = new DynamoDbExecutionStore({ client: aws().documentClient, tableName: aws().tableName });
    for (const [i, step] of steps.entries()) {
      const expected = await outcome(() => step(memory));
      const actual = await outcome(() => step(dynamo));
      expect({ step: i, ...(actual as object) }).toEqual({ step: i, ...(expected as object) });
    }
  });
});
