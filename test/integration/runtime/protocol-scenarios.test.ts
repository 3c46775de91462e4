import { describe, expect, it } from 'vitest';
import { defineWorkflow, type StepContext, type StepQueue, WorkflowRegistry } from '../../../lib/index.js';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbExecutionStore } from '../../../lib/index.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import { emulatorClientConfig } from '../../support/aws-resources.js';
import { startSerializingProxy } from '../../support/serializing-proxy.js';
import { useAwsResources } from '../aws/aws-test-context.js';
import { checkpointSteps, scenario } from './scenario-harness.js';

const aws = useAwsResources();

type N = { n: number };
const add = (k: number) => (s: N) => ({ n: s.n + k });

function registry(...workflows: Parameters<typeof defineWorkflow<N>>[0][]): WorkflowRegistry {
  const r = new WorkflowRegistry();
  for (const w of workflows) r.register(defineWorkflow<N>(w));
  return r;
}

describe('the step protocol on DynamoDB and SQS (moto), driven by real queue messages', () => {
  it('runs a 5-step execution to completion with a contiguous checkpoint chain', async () => {
    const s = scenario(
      aws(),
      registry({ name: 'five', steps: [1, 2, 3, 4, 5].map((k) => ({ name: `add-${k}`, fn: add(k) })) }),
    );
    const { head } = await s.control.start({ workflow: 'five', input: { n: 0 } });
    const outcomes = await s.drain();
    expect(outcomes.map((o) => o.status)).toEqual(['committed', 'committed', 'committed', 'committed', 'completed']);
    const done = (await s.control.get(head.id)).head;
    expect(done).toMatchObject({ state: 'completed', progress: 100, currentStep: 5, data: { n: 15 }, version: 5 });
    expect(await checkpointSteps(s.control, head.id)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('runs the step once when the same message is delivered twice', async () => {
    let runs = 0;
    const s = scenario(aws(), registry({ name: 'dup', steps: [{ name: 'dup-once', fn: (x) => (runs++, add(1)(x)) }] }));
    const { head } = await s.control.start({ workflow: 'dup', input: { n: 0 } });
    const [message] = await s.receive(1);
    const first = await s.deliver(message!);
    const second = await s.deliver(message!);
    expect(first.status).toBe('completed');
    expect(second).toMatchObject({ status: 'dropped', reason: 'not-claimable' });
    expect(runs).toBe(1);
    expect(await checkpointSteps(s.control, head.id)).toEqual([0, 1]);
  });

  it('recovers a crash between commit and enqueue with the sweeper', async () => {
    const s = scenario(
      aws(),
      registry({
        name: 'crashy',
        steps: [
          { name: 'c1', fn: add(1) },
          { name: 'c2', fn: add(2) },
        ],
      }),
    );
    const { head } = await s.control.start({ workflow: 'crashy', input: { n: 0 } });
    const dying: StepQueue = { send: () => Promise.reject(new Error('process killed before the send')) };
    const [message] = await s.receive(1);
    await expect(s.deliver(message!, { queue: dying })).rejects.toThrow(/killed/);
    expect((await s.control.get(head.id)).head).toMatchObject({ state: 'running', currentStep: 1 });
    expect(await s.receive()).toEqual([]);

    const later = Date.now() + 301_000;
    const swept = await (await import('../../../lib/index.js')).sweep({ now: later }, s.deps);
    expect(swept.reenqueued).toBeGreaterThanOrEqual(1);
    await s.drain();
    expect((await s.control.get(head.id)).head).toMatchObject({ state: 'completed', data: { n: 3 } });
    expect(await checkpointSteps(s.control, head.id)).toEqual([0, 1, 2]);
  });

  it('completes with attempt 1 after a worker dies mid-step and its lease expires', async () => {
    const attempts: number[] = [];
    const s = scenario(
      aws(),
      registry({
        name: 'dies',
        steps: [{ name: 'd1', fn: (x: N, ctx: StepContext) => (attempts.push(ctx.attempt), add(1)(x)) }],
      }),
      { leaseMs: 1_000, heartbeatMs: 300 },
    );
    const { head } = await s.control.start({ workflow: 'dies', input: { n: 0 } });
    const [message] = await s.receive(1);
    const body = message!.body as { executionId: string; step: number; token: number };
    // The dead worker: it claimed the step, then vanished without committing. Its lease
    // outlasts any test run, so the delivery below must find it live.
    const claimedAt = Date.now();
    const claimed = await s.deps.store.claim({
      id: body.executionId,
      step: body.step,
      token: body.token,
      owner: 'dead-worker',
      now: claimedAt,
      leaseMs: 600_000,
    });
    expect(claimed?.leaseOwner).toBe('dead-worker');
    expect((await s.deliver(message!)).status).toBe('dropped');
    // SQS redelivers after the visibility timeout; by then (on this worker's clock) the lease has lapsed.
    const redelivered = await s.deliver(message!, { clock: new ManualClock(claimedAt + 600_000) });
    expect(redelivered.status).toBe('completed');
    expect(attempts).toEqual([1]);
    expect(await checkpointSteps(s.control, head.id)).toEqual([0, 1]);
  });

  it('holds a retry back on the queue for its backoff delay', async () => {
    const s = scenario(
      aws(),
      registry({ name: 'held', steps: [{ name: 'h1', fn: () => Promise.reject(new Error('flake')) }] }),
      // No test run lasts 900 s (the longest delay SQS takes), so the retry must be held back.
      { retryBaseDelayMs: 900_000, retryMaxDelayMs: 900_000 },
    );
    const { head } = await s.control.start({ workflow: 'held', input: { n: 0 } });
    const [message] = await s.receive(1);
    const delayedBefore = await s.delayed();
    expect(await s.deliver(message!)).toMatchObject({ status: 'retrying', attempt: 0, delaySeconds: 900 });
    expect(await s.delayed()).toBe(delayedBefore + 1);
    expect(await s.receive()).toEqual([]);
    expect((await s.control.get(head.id)).head).toMatchObject({ state: 'running', error: { message: 'flake' } });
    // Cancelling fences the held message off, so it can never run a step of this execution.
    await s.control.cancel(head.id);
  });

  it('retries with a backoff delay on the queue, then succeeds', async () => {
    let calls = 0;
    const s = scenario(
      aws(),
      registry({
        name: 'flaky',
        steps: [{ name: 'f1', fn: (x) => (++calls === 1 ? Promise.reject(new Error('flake')) : add(1)(x)) }],
      }),
    );
    const { head } = await s.control.start({ workflow: 'flaky', input: { n: 0 } });
    const [message] = await s.receive(1);
    expect(await s.deliver(message!)).toMatchObject({
      status: 'retrying',
      attempt: 0,
      delaySeconds: 1,
      error: { code: 'STEP_FAILED', message: 'flake' },
    });
    // The long poll returns once the 1 s delay is over, however slow the machine.
    const [retry] = await s.receive(20);
    expect(retry).toBeDefined();
    expect((await s.deliver(retry!)).status).toBe('completed');
    expect((await s.control.get(head.id)).head).toMatchObject({ state: 'completed', data: { n: 1 } });
  });

  it('fails when retries run out, and retry then completes it from the failed step', async () => {
    let broken = true;
    const s = scenario(
      aws(),
      registry({
        name: 'broken',
        steps: [
          { name: 'b1', fn: add(1) },
          { name: 'b2', fn: (x) => (broken ? Promise.reject(new Error('down')) : add(10)(x)) },
        ],
      }),
      { maxRetries: 0 },
    );
    const { head } = await s.control.start({ workflow: 'broken', input: { n: 0 } });
    await s.drain();
    const failed = (await s.control.get(head.id)).head;
    expect(failed).toMatchObject({
      state: 'failed',
      currentStep: 1,
      data: { n: 1 },
      error: { code: 'STEP_FAILED', message: 'down' },
    });
    expect(failed.endTime).toBeTypeOf('number');
    broken = false;
    await s.control.retry(head.id);
    await s.drain();
    expect((await s.control.get(head.id)).head).toMatchObject({ state: 'completed', data: { n: 11 } });
    expect(await checkpointSteps(s.control, head.id)).toEqual([0, 1, 2]);
  });

  it('pauses at the step boundary and resumes', async () => {
    const s = scenario(
      aws(),
      registry({
        name: 'pausable',
        steps: [
          { name: 'p1', fn: add(1) },
          { name: 'p2', fn: add(2) },
        ],
      }),
    );
    const { head } = await s.control.start({ workflow: 'pausable', input: { n: 0 } });
    await s.control.pause(head.id);
    expect((await s.drain()).map((o) => o.status)).toEqual(['dropped']);
    expect((await s.control.get(head.id)).head).toMatchObject({ state: 'paused', currentStep: 0 });
    await s.control.resume(head.id);
    await s.drain();
    expect((await s.control.get(head.id)).head).toMatchObject({ state: 'completed', data: { n: 3 } });
  });

  it('aborts the running step on cancel, commits nothing and ends cancelled', async () => {
    let aborted = false;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const waits = (_: N, ctx: StepContext) =>
      new Promise<N>((_resolve, reject) => {
        started();
        ctx.signal.addEventListener('abort', () => {
          aborted = true;
          reject(ctx.signal.reason as Error);
        });
      });
    const s = scenario(aws(), registry({ name: 'cancellable', steps: [{ name: 'w1', fn: waits }] }), {
      leaseMs: 2_000,
      heartbeatMs: 100,
    });
    const { head } = await s.control.start({ workflow: 'cancellable', input: { n: 0 } });
    const [message] = await s.receive(1);
    const outcome = s.deliver(message!);
    await running;
    await s.control.cancel(head.id);
    expect(await outcome).toMatchObject({ status: 'cancelled' });
    expect(aborted).toBe(true);
    expect((await s.control.get(head.id)).head).toMatchObject({ state: 'cancelled', currentStep: 0 });
    expect(await checkpointSteps(s.control, head.id)).toEqual([0]);
  });

  it('parks an execution whose step is not registered, and resume completes it once it is', async () => {
    const full = registry({
      name: 'drift',
      steps: [
        { name: 'old-step', fn: add(1) },
        { name: 'new-step', fn: add(5) },
      ],
    });
    const s = scenario(aws(), full);
    const { head } = await s.control.start({ workflow: 'drift', input: { n: 0 } });
    const stale = registry({ name: 'drift', steps: [{ name: 'old-step', fn: add(1) }] });
    const outcomes = await s.drain({ workflows: stale });
    expect(outcomes.at(-1)).toMatchObject({ status: 'parked', error: { code: 'STEP_NOT_REGISTERED' } });
    expect((await s.control.get(head.id)).head).toMatchObject({ state: 'paused', currentStep: 1 });
    await s.control.resume(head.id);
    await s.drain();
    expect((await s.control.get(head.id)).head).toMatchObject({ state: 'completed', data: { n: 6 } });
  });

  it('fails an oversized state with STATE_TOO_LARGE, writing nothing of it', async () => {
    const s = scenario(
      aws(),
      registry({ name: 'huge', steps: [{ name: 'bloat', fn: () => ({ n: 0, blob: 'x'.repeat(500 * 1024) }) as N }] }),
      { maxRetries: 0 },
    );
    const { head } = await s.control.start({ workflow: 'huge', input: { n: 0 } });
    const outcomes = await s.drain();
    expect(outcomes.at(-1)).toMatchObject({ status: 'failed', error: { code: 'STATE_TOO_LARGE' } });
    const failed = (await s.control.get(head.id)).head;
    expect(failed.error?.message).toMatch(/\d+ bytes, over the 409600-byte limit/);
    expect(failed.data).toEqual({ n: 0 });
    expect(await checkpointSteps(s.control, head.id)).toEqual([0]);
  });

  it('completes 50 executions started at once, each step committed exactly once', async () => {
    const runs = new Map<string, number>();
    const counted = (k: number) => (x: N, ctx: StepContext) => {
      const key = `${ctx.executionId}/${ctx.step}`;
      runs.set(key, (runs.get(key) ?? 0) + 1);
      return { n: x.n * 2 + k };
    };
    // moto applies concurrent writes without locking (and fails concurrent transactions);
    // DynamoDB orders them. The proxy gives moto that order; the client stays concurrent.
    const proxy = await startSerializingProxy(aws().endpoint);
    const client = DynamoDBDocumentClient.from(new DynamoDBClient(emulatorClientConfig(proxy.endpoint)));
    const store = new DynamoDbExecutionStore({ client, tableName: aws().tableName });
    const s = scenario(
      aws(),
      registry({ name: 'fold', steps: [1, 2, 3].map((k) => ({ name: `fold-${k}`, fn: counted(k) })) }),
      { store },
    );
    const ids = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        s.control.start({ workflow: 'fold', input: { n: i } }).then((r) => r.head.id),
      ),
    );
    await s.drain();
    for (const [i, id] of ids.entries()) {
      const head = (await s.control.get(id)).head;
      const expected = [1, 2, 3].reduce((n, k) => n * 2 + k, i);
      expect(head).toMatchObject({ state: 'completed', version: 3, data: { n: expected } });
      expect(await checkpointSteps(s.control, id)).toEqual([0, 1, 2, 3]);
    }
    expect(runs.size).toBe(150);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    client.destroy();
    await proxy.close();
  }, 120_000);
});
