import { describe, expect, it } from 'vitest';
import type { ExecutionEvent } from '../../../lib/index.js';
import { LongRunningError } from '../../../lib/index.js';
import { LoadRecorder } from '../../bench/load-recorder.js';

/** A recorder on a clock the test sets. */
function recorder(checkOutput?: (output: unknown) => string | undefined) {
  const clock = { t: 0 };
  const r = new LoadRecorder({ now: () => clock.t, ...(checkOutput ? { checkOutput } : {}) });
  const event = (type: ExecutionEvent['type'], execId: string, step: number, at: number, extra = {}) =>
    r.onEvent({ type, execId, step, timestamp: new Date(at), ...extra });
  const message = (execId: string, step: number, sentAt: number, messageId = `m-${execId}-${step}`) =>
    r.received([
      { messageId, body: JSON.stringify({ v: 1, executionId: execId, step, token: step }), sentTimestamp: sentAt },
    ]);
  return { r, clock, event, message };
}

describe('LoadRecorder', () => {
  it('measures a step from its message SentTimestamp, through the claim, to the commit being written', () => {
    const { r, clock, event, message } = recorder();
    r.started('e1', 1_000, 1_020);
    message('e1', 0, 1_010);
    event('step_started', 'e1', 0, 1_050);
    clock.t = 1_080;
    event('step_completed', 'e1', 0, 1_060);
    clock.t = 1_100;
    event('execution_completed', 'e1', 1, 1_090);
    const s = r.summary({ start: 1_000, end: 2_000 });
    expect(s.sendToCommit).toMatchObject({ count: 1, p50: 70 });
    expect(s.queueWait).toMatchObject({ count: 1, p50: 40 });
    expect(s.claimToCommit).toMatchObject({ count: 1, p50: 30 });
    expect(s.startRequest).toMatchObject({ count: 1, p50: 20 });
    expect(s.startToComplete).toMatchObject({ count: 1, p50: 100 });
    expect(s).toMatchObject({ started: 1, completed: 1, completedInWindow: 1, stepsInWindow: 1, errors: [] });
  });

  it('counts only commits inside the window as throughput, and separates completions after it', () => {
    const { r, clock, event } = recorder();
    r.started('e1', 0, 1);
    for (const [step, at] of [
      [0, 500],
      [1, 1_500],
      [2, 2_500],
    ] as const) {
      clock.t = at;
      event('step_completed', 'e1', step, at);
    }
    event('execution_completed', 'e1', 3, 2_500);
    const s = r.summary({ start: 0, end: 2_000 });
    expect(s.stepsInWindow).toBe(2);
    // Six slices of 1/3 s: one commit in the second (at 0.5 s), one in the last (at 1.5 s).
    expect(s.stepsPerSecondBySlice).toEqual([0, 3, 0, 0, 3, 0]);
    expect(s).toMatchObject({ completed: 1, completedInWindow: 0 });
    expect(s.sendToCommit.count).toBe(0); // no message was seen, so no send time
  });

  it('leaves out executions the driver did not start, and lists started ones that never finished', () => {
    const { r, event } = recorder();
    event('step_completed', 'foreign', 0, 10);
    r.started('e1', 0, 1);
    r.started('e2', 0, 1);
    event('execution_completed', 'e2', 1, 10);
    const s = r.summary({ start: 0, end: 100 });
    expect(s).toMatchObject({ started: 2, completed: 1, unfinished: ['e1'], stepsInWindow: 0 });
  });

  it('resolves finished() when the execution ends, and at once for one already ended', async () => {
    const { r, event } = recorder();
    const pending = r.finished('e1');
    event('execution_failed', 'e1', 2, 10, { error: new LongRunningError('STEP_FAILED', 'boom') });
    await expect(pending).resolves.toBe('failed');
    await expect(r.finished('e1')).resolves.toBe('failed');
  });

  it('counts errors and anomalies by kind, keeping the first detail of each', () => {
    const { r, event } = recorder((output) => (output === 'bad' ? 'not what the steps make' : undefined));
    event('step_failed', 'e1', 0, 1, { error: new LongRunningError('STEP_TIMEOUT', 'took too long') });
    event('step_failed', 'e1', 0, 2, { error: new LongRunningError('STEP_TIMEOUT', 'again') });
    event('step_completed', 'e1', 0, 3);
    event('step_completed', 'e1', 0, 4);
    event('execution_completed', 'e1', 1, 5, { state: 'bad' });
    r.logger.warn('poll failed; retrying in 1 s', { error: 'socket hang up' });
    r.logger.debug('dropping an unclaimable step message', { v: 1, executionId: 'e2', step: 3, token: 7 });
    r.logger.info('step message processed', { status: 'dropped', executionId: 'e2', step: 3 });
    r.logger.info('step message processed', { status: 'dropped', executionId: 'e2', step: 4 });
    r.logger.info('step message processed', { status: 'committed', executionId: 'e2', step: 4 });
    r.logger.debug('anything');
    expect(r.summary({ start: 0, end: 10 }).errors).toEqual([
      { kind: 'step attempt failed: STEP_TIMEOUT', count: 2, detail: 'took too long' },
      { kind: 'step committed more than once', count: 1, detail: 'e1 step 0' },
      { kind: 'warn: poll failed; retrying in 1 s', count: 1, detail: 'socket hang up' },
      { kind: 'worker outcome: dropped', count: 1, detail: 'e2 step 4' },
      { kind: 'worker outcome: dropped (not claimable)', count: 1, detail: 'e2 step 3' },
      { kind: 'wrong output: not what the steps make', count: 1, detail: 'e1' },
    ]);
  });

  it('ignores message bodies that are not step messages', () => {
    const { r } = recorder();
    expect(() => r.received([{ messageId: 'm', body: 'not json', sentTimestamp: 1 }])).not.toThrow();
    expect(r.summary({ start: 0, end: 1 }).errors).toEqual([]);
  });

  it('tells a message delivered twice from a second message sent for the same step and token', () => {
    const { r, message } = recorder();
    message('e1', 0, 10, 'm1');
    message('e1', 0, 10, 'm1');
    message('e1', 0, 20, 'm2');
    message('e1', 1, 30, 'm3');
    expect(r.summary({ start: 0, end: 100 }).errors).toEqual([
      { kind: 'another message for the same step and token (sent twice)', count: 1, detail: 'e1 step 0' },
      { kind: 'step message delivered again (same MessageId)', count: 1, detail: 'e1 step 0' },
    ]);
  });
});
