import { describe, expect, it } from 'vitest';
import { pump, useDeployedHandlers } from './handler-harness.js';

// Bulk pause and cancel through the deployed handlers on the emulator: the API
// answers 202 with the job, the step worker runs its page, and only the
// executions the filter names change.

const handlers = useDeployedHandlers();
const call = (method: string, path: string, body?: unknown) => handlers().call(method, path, body);

/** Runs queued messages (steps and job pages) until the job has completed. */
async function untilCompleted(jobId: string): Promise<Record<string, unknown>> {
  for (;;) {
    await pump(handlers().world.res, handlers().worker);
    const job = await call('GET', `/jobs/${jobId}`);
    expect(job.status).toBe(200);
    if (job.body.state === 'completed') return job.body;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('bulk pause and cancel over HTTP (emulator)', () => {
  it('pauses the waiting executions of one workflow, then cancels them, leaving the others alone', async () => {
    const approvals: string[] = [];
    for (let i = 0; i < 3; i++) {
      const started = await call('POST', '/executions', { workflow: 'approval', input: { topic: `t${i}` } });
      expect(started.status).toBe(201);
      approvals.push(String(started.body.id));
    }
    // Started at least a millisecond later: the filter's startedBefore (exclusive) leaves it out.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const other = await call('POST', '/executions', { workflow: 'approval', input: { topic: 'kept' }, name: 'kept' });
    await pump(handlers().world.res, handlers().worker);
    for (const id of [...approvals, String(other.body.id)])
      expect((await call('GET', `/executions/${id}`)).body.state).toBe('waiting');
    const cutoff = String((await call('GET', `/executions/${String(other.body.id)}`)).body.startTime);

    const paused = await call('POST', '/executions/pause', {
      workflow: 'approval',
      state: 'waiting',
      startedBefore: cutoff,
      requestId: 'pause-approvals',
    });
    expect(paused.status).toBe(202);
    const pauseJob = await untilCompleted(String((paused.body as { id: string }).id));
    expect(pauseJob).toMatchObject({ action: 'pause', counts: { matched: 3, changed: 3, failed: 0 } });
    for (const id of approvals) expect((await call('GET', `/executions/${id}`)).body.state).toBe('paused');
    expect((await call('GET', `/executions/${String(other.body.id)}`)).body.state).toBe('waiting');

    const cancelled = await call('POST', '/executions/cancel', {
      workflow: 'approval',
      state: 'paused',
      startedBefore: cutoff,
    });
    expect(cancelled.status).toBe(202);
    const cancelJob = await untilCompleted(String((cancelled.body as { id: string }).id));
    expect(cancelJob).toMatchObject({ action: 'cancel', counts: { matched: 3, changed: 3, failed: 0 } });
    for (const id of approvals) expect((await call('GET', `/executions/${id}`)).body.state).toBe('cancelled');
    expect((await call('GET', `/executions/${String(other.body.id)}`)).body.state).toBe('waiting');
  }, 60_000);
});
