import { describe, expect, it } from 'vitest';
import { LongRunningError } from '../../../lib/core/errors.js';
import type { StepContext } from '../../../lib/core/types.js';
import { BULK_CONCURRENCY, BULK_LEASE_MS, BULK_PAGE_SIZE, BULK_STALL_MS } from '../../../lib/runtime/bulk-jobs.js';
import type { BulkJob, JobStore } from '../../../lib/runtime/bulk-model.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { countingSteps, makeHarness, overriding } from './harness.js';

type S = { n: number; trail: string[] };
const input: S = { n: 0, trail: [] };

/** Workflows `flaky` (its step f1 throws while `outage.on`, with the given code) and `steady`. */
function world() {
  const outage = { on: true, code: 'THROTTLED' };
  const runs = new Map<string, number>();
  const [f0, f1, f2] = countingSteps(3, 'f');
  const flaky = defineWorkflow<S>({
    name: 'flaky',
    steps: [
      f0!,
      {
        name: f1!.name,
        fn: (s: S, ctx: StepContext) => {
          runs.set(ctx.executionId, (runs.get(ctx.executionId) ?? 0) + 1);
          if (outage.on) throw new LongRunningError(outage.code, 'provider outage');
          return f1!.fn(s, ctx);
        },
      },
      f2!,
    ],
  });
  const h = makeHarness({
    workflows: [flaky, defineWorkflow({ name: 'steady', steps: countingSteps(2) })],
    config: { maxRetries: 0 },
  });
  /** Drains the queue, advancing the clock over the pacing delays, until nothing is left. */
  const settleAll = async (): Promise<void> => {
    for (let round = 0; round < 500 && h.queue.size > 0; round++) {
      // A duplicate page message meets the page's lease: it throws, and SQS hands it back later (stale by then).
      await h.drain().catch((err: unknown) => {
        if (!(err instanceof LongRunningError && err.code === 'CONFLICT')) throw err;
      });
      await h.clock.advance(1_000);
    }
  };
  const startMany = async (workflow: string, count: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      ids.push((await h.control.start({ workflow, input, name: `${workflow}-${i}` })).head.id);
      await h.clock.advance(1);
    }
    await h.drain();
    return ids;
  };
  return { h, outage, runs, settleAll, startMany };
}

describe('bulk redrive', () => {
  it('retries every matching failed execution once, in pages, even when the request is sent twice', async () => {
    const { h, outage, runs, settleAll, startMany } = world();
    const ids = await startMany('flaky', 60);
    outage.code = 'VALIDATION_ERROR';
    const other = await startMany('flaky', 3); // failed with another code: not matched
    outage.on = false;
    for (const id of [...ids, ...other]) expect((await h.control.get(id)).head.state).toBe('failed');

    const request = { action: 'redrive' as const, filter: { errorCode: 'THROTTLED' }, requestId: 'outage-1' };
    const first = await h.control.bulk(request);
    const second = await h.control.bulk(request);
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, job: { id: first.job.id } });
    expect(first.job).toMatchObject({ action: 'redrive', state: 'running', filter: { state: 'failed', max: 1_000 } });
    await settleAll();

    const job = await h.control.job(first.job.id);
    expect(job).toMatchObject({ state: 'completed', counts: { matched: 60, changed: 60, skipped: 0, failed: 0 } });
    expect(job.pages).toBe(Math.ceil(63 / BULK_PAGE_SIZE));
    for (const id of ids) {
      expect((await h.control.get(id)).head.state).toBe('completed');
      expect(runs.get(id)).toBe(2); // the failed run and the redriven one
    }
    for (const id of other) expect((await h.control.get(id)).head.state).toBe('failed');
  });

  it(`applies at most ${BULK_CONCURRENCY} actions of a page at once`, async () => {
    const { h, outage, settleAll, startMany } = world();
    await startMany('flaky', 2 * BULK_PAGE_SIZE);
    outage.on = false;
    // Each redrive ends in the message of the failed step (f1, step 1; the steps after it are sent by the
    // worker): hold those sends a few turns of the event loop and count the overlap.
    const queue = h.deps.queue;
    const send = queue.send.bind(queue);
    let inFlight = 0;
    let most = 0;
    queue.send = async (message, delaySeconds) => {
      if ('job' in message || message.step !== 1) return send(message, delaySeconds);
      most = Math.max(most, ++inFlight);
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return send(message, delaySeconds);
    };
    const { job } = await h.control.bulk({ action: 'redrive', filter: { errorCode: 'THROTTLED' } });
    await settleAll();
    expect(await h.control.job(job.id)).toMatchObject({ state: 'completed', counts: { changed: 2 * BULK_PAGE_SIZE } });
    expect(most).toBe(BULK_CONCURRENCY);
  });

  it('survives a runner killed halfway: the page runs again after the lease and applies nothing twice', async () => {
    const { h, outage, runs, settleAll, startMany } = world();
    const ids = await startMany('flaky', 40);
    outage.on = false;
    // The runner dies after its actions on page 0, before recording the page (and before releasing its lease).
    let kill = true;
    const jobs = h.jobs;
    const dying: JobStore = {
      createJob: (job) => jobs.createJob(job),
      getJob: (id) => jobs.getJob(id),
      replaceJob: async (base: BulkJob, next: BulkJob) => {
        if (kill && next.pages === 1) throw new Error('killed');
        if (kill && next.leaseUntil === undefined && next.pages === 0) throw new Error('killed');
        return jobs.replaceJob(base, next);
      },
    };
    const { job } = await h.control.bulk({ action: 'redrive', filter: { workflow: 'flaky' } });
    await expect(h.drain({ jobs: dying })).rejects.toThrow('killed');
    kill = false;
    const stuck = await h.control.job(job.id);
    expect(stuck).toMatchObject({ pages: 0, state: 'running', counts: { matched: 0 } });
    // Its message comes back while the dead runner's lease holds: refused, and back again later.
    await h.clock.advance(30_000);
    await expect(h.drain()).rejects.toMatchObject({ code: 'CONFLICT' });
    await h.clock.advance(BULK_LEASE_MS);
    await settleAll();
    const done = await h.control.job(job.id);
    expect(done.state).toBe('completed');
    // Page 0 ran again on its recorded plan: the 25 redriven before the kill were no longer at their listed version.
    expect(done.counts).toEqual({ matched: 40, changed: 40 - BULK_PAGE_SIZE, skipped: BULK_PAGE_SIZE, failed: 0 });
    for (const id of ids) {
      expect((await h.control.get(id)).head.state).toBe('completed');
      expect(runs.get(id)).toBe(2);
    }
  });

  it('takes a cancelled execution back to its latest checkpoint, and honours max and the time window', async () => {
    const { h, settleAll, startMany, outage } = world();
    outage.on = false;
    const ids = await startMany('steady', 1);
    await h.clock.advance(10_000);
    const later: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { head } = await h.control.start({ workflow: 'flaky', input });
      later.push(head.id);
      await h.control.cancel(head.id);
      await h.clock.advance(1_000);
    }
    h.queue.clear();
    const windowStart = (await h.control.get(later[1] ?? '')).head.startTime;
    const { job } = await h.control.bulk({
      action: 'redrive',
      filter: { state: 'cancelled', startedAfter: windowStart, max: 2 },
    });
    await settleAll();
    expect(await h.control.job(job.id)).toMatchObject({ state: 'completed', counts: { matched: 2, changed: 2 } });
    const states = await Promise.all(later.map(async (id) => (await h.control.get(id)).head.state));
    expect(states).toEqual(['cancelled', 'cancelled', 'completed', 'completed']);
    expect((await h.control.get(ids[0] ?? '')).head.state).toBe('completed');
  });
});

describe('a bulk job whose message was lost', () => {
  it('sends the next page again when the message of the page before comes back after a failed send', async () => {
    const { h, outage } = world();
    outage.on = false;
    for (let i = 0; i < BULK_PAGE_SIZE + 5; i++) await h.control.start({ workflow: 'steady', input });
    const { job } = await h.control.bulk({ action: 'pause', filter: { workflow: 'steady' } });
    h.queue.clear(); // nobody runs the steps: the executions stay running
    let failSend = true;
    const queue = {
      send: (m: Parameters<typeof h.queue.send>[0], delay?: number) =>
        failSend && 'job' in m && m.page === 1 ? Promise.reject(new Error('send lost')) : h.queue.send(m, delay),
    };
    await expect(h.process({ v: 1, job: job.id, page: 0 }, { queue })).rejects.toThrow('send lost');
    expect(await h.control.job(job.id)).toMatchObject({ pages: 1, state: 'running' });
    failSend = false;
    // SQS hands page 0's message back: stale, but it sends page 1's again.
    expect(await h.process({ v: 1, job: job.id, page: 0 })).toMatchObject({ status: 'job', result: 'stale' });
    expect(h.queue.pending().map((m) => m.message)).toEqual([{ v: 1, job: job.id, page: 1 }]);
    await h.clock.advance(1_000);
    await h.drain();
    expect(await h.control.job(job.id)).toMatchObject({ state: 'completed', counts: { matched: 30, changed: 30 } });
  });

  it('drops a malformed job message with a reason that names it', async () => {
    const { h } = world();
    expect(await h.process({ v: 1, job: 'job_x', page: -1 })).toEqual({
      status: 'invalid',
      reason: expect.stringContaining('invalid job message') as unknown,
    });
  });

  it('gets its page message again when it is read after standing still, once per stall', async () => {
    const { h, settleAll, startMany, outage } = world();
    outage.on = false;
    await startMany('steady', 3);
    const { job } = await h.control.bulk({ action: 'pause', filter: { workflow: 'steady', state: 'running' } });
    h.queue.clear(); // the send was lost
    await h.control.job(job.id);
    expect(h.queue.size).toBe(0); // not yet: it may still be on its way
    await h.clock.advance(BULK_STALL_MS);
    await h.control.job(job.id);
    await h.control.job(job.id);
    expect(h.queue.size).toBe(1);
    await settleAll();
    expect(await h.control.job(job.id)).toMatchObject({ state: 'completed' });
  });
});

describe('bulk redrive of cancelled executions', () => {
  it('counts one cancelled in an event wait as failed, naming the checkpoint to rewind to instead', async () => {
    const h = makeHarness({
      workflows: [
        defineWorkflow({
          name: 'asks',
          steps: [
            { name: 'ask', fn: (s, ctx) => ctx.waitForEvent('approval', { state: s }) },
            { name: 'use', fn: (s) => s },
          ],
        }),
      ],
    });
    const { head } = await h.control.start({ workflow: 'asks', input: { n: 1 } });
    await h.drain();
    await h.control.cancel(head.id);
    const { job } = await h.control.bulk({ action: 'redrive', filter: { state: 'cancelled' } });
    await h.drain();
    expect(await h.control.job(job.id)).toMatchObject({
      counts: { matched: 1, changed: 0, failed: 1 },
      failures: [{ executionId: head.id, error: { code: 'VALIDATION_ERROR' } }],
    });
    expect((await h.control.get(head.id)).head.state).toBe('cancelled');
  });
});

describe('bulk cancel and pause', () => {
  it('pauses the running executions of one workflow, then cancels them, leaving the others alone', async () => {
    const { h, settleAll, outage } = world();
    outage.on = false;
    const flaky: string[] = [];
    for (let i = 0; i < 30; i++) flaky.push((await h.control.start({ workflow: 'flaky', input })).head.id);
    const steady = (await h.control.start({ workflow: 'steady', input })).head.id;
    h.queue.clear(); // nobody runs them: they stay running
    const paused = await h.control.bulk({ action: 'pause', filter: { workflow: 'flaky' } });
    await settleAll();
    expect(await h.control.job(paused.job.id)).toMatchObject({ counts: { matched: 30, changed: 30 } });
    const cancelled = await h.control.bulk({ action: 'cancel', filter: { state: 'paused', workflow: 'flaky' } });
    await settleAll();
    expect(await h.control.job(cancelled.job.id)).toMatchObject({ counts: { matched: 30, changed: 30 } });
    for (const id of flaky) expect((await h.control.get(id)).head.state).toBe('cancelled');
    expect((await h.control.get(steady)).head.state).toBe('running');
  });

  it('leaves alone an execution resumed after its page listed it as paused, when the page runs again', async () => {
    const { h, outage } = world();
    outage.on = false;
    const { head } = await h.control.start({ workflow: 'steady', input });
    h.queue.clear();
    await h.control.pause(head.id);
    const { job } = await h.control.bulk({ action: 'cancel', filter: { state: 'paused' } });
    const message = h.queue.pending().map((p) => p.message);
    h.queue.clear();
    // The page records its plan, then its action is throttled: it will run again on that plan.
    const throttled = overriding(h.store, {
      transition: () => Promise.reject(new LongRunningError('THROTTLED', 'slow down', { retryable: true })),
    });
    await expect(h.process(message[0]!, { store: throttled })).rejects.toMatchObject({ code: 'THROTTLED' });
    await h.control.resume(head.id);
    await h.clock.advance(BULK_LEASE_MS);
    await h.process(message[0]!);
    expect((await h.control.get(head.id)).head.state).toBe('running');
    expect(await h.control.job(job.id)).toMatchObject({ counts: { matched: 1, changed: 0, skipped: 1 } });
  });

  it('still pauses an execution listed as running that went on into a sleep before its page acted', async () => {
    const sleepy = defineWorkflow<S>({
      name: 'sleepy',
      steps: [
        { name: 'nap', fn: (s: S, ctx: StepContext) => ctx.sleep(3_600_000, s) },
        { name: 'after-nap', fn: (s: S) => s },
      ],
    });
    const h = makeHarness({ workflows: [sleepy] });
    const { head } = await h.control.start({ workflow: 'sleepy', input });
    const stepMessages = h.queue.pending().map((p) => p.message);
    h.queue.clear();
    const { job } = await h.control.bulk({ action: 'pause', filter: { state: 'running' } });
    const page = h.queue.pending().map((p) => p.message)[0]!;
    h.queue.clear();
    const throttled = overriding(h.store, {
      transition: () => Promise.reject(new LongRunningError('THROTTLED', 'slow down', { retryable: true })),
    });
    await expect(h.process(page, { store: throttled })).rejects.toMatchObject({ code: 'THROTTLED' });
    await h.process(stepMessages[0]!);
    expect((await h.control.get(head.id)).head.state).toBe('waiting');
    await h.clock.advance(BULK_LEASE_MS);
    await h.process(page);
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'paused', wait: { kind: 'sleep' } });
    expect(await h.control.job(job.id)).toMatchObject({ counts: { matched: 1, changed: 1 } });
  });

  it('refuses bad requests with the reason and starts nothing', async () => {
    const { h } = world();
    const cases: [unknown, RegExp][] = [
      [{ action: 'delete' }, /bulk action must be redrive, cancel or pause/],
      [
        { action: 'redrive', filter: { state: 'running' } },
        /filter.state for redrive must be one of failed, cancelled/,
      ],
      [{ action: 'pause', filter: { state: 'paused' } }, /filter.state for pause must be one of running, waiting/],
      [{ action: 'cancel' }, /a bulk cancel needs a filter/],
      [{ action: 'pause', filter: { max: 10 } }, /a bulk pause needs a filter/],
      [
        { action: 'cancel', filter: { state: 'running', max: 0 } },
        /filter.max must be a whole number from 1 to 100000/,
      ],
      [{ action: 'cancel', filter: { errorCode: 'lower' } }, /filter.errorCode/],
      [{ action: 'cancel', filter: { startedAfter: 5, startedBefore: 5 } }, /startedAfter must be before/],
      [{ action: 'cancel', filter: { state: 'paused' }, requestId: '../x' }, /requestId/],
    ];
    for (const [request, message] of cases) {
      await expect(h.control.bulk(request as never)).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
        message: expect.stringMatching(message) as unknown,
      });
    }
    await expect(
      h.control.bulk({ action: 'cancel', filter: { state: 'running', workfow: 'x' } } as never),
    ).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('unknown field "workfow"') as unknown,
    });
    await h.control.bulk({ action: 'cancel', requestId: 'r1', filter: { state: 'running' } });
    await expect(
      h.control.bulk({ action: 'cancel', requestId: 'r1', filter: { state: 'running', max: 5 } }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(h.control.job('job_missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(h.queue.size).toBe(1);
  });
});
