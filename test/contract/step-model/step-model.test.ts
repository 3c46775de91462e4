/**
 * The step model's scenarios (issue 11's semantics), run as the same tests against
 * both drivers: the in-process Executor and the serverless runtime, each on its
 * in-memory adapters and a manual clock.
 */
import { describe, expect, it } from 'vitest';
import type { NamedStep, StepContext } from '../../../lib/core/types.js';
import { type Driver, executorDriver, runtimeDriver, type ScenarioState } from './drivers.js';

const HOUR = 3_600_000;
const input: ScenarioState = { n: 0, seen: [] };
type Step = NamedStep<ScenarioState>;

/** The state after one more run, recording what the run saw of `ctx.event` (its payload, null, or 'none'). */
const next = (s: ScenarioState, ctx: StepContext): ScenarioState => ({
  n: s.n + 1,
  seen: [...s.seen, ctx.event === undefined ? 'none' : ctx.event === null ? null : ctx.event.payload],
});
const plain: Step = { name: 'after', fn: next };

/** first waits for `approval` (with `timeoutMs`/`onTimeout` when given), then `after`. */
const waiting = (options: { timeoutMs?: number; onTimeout?: 'fail' | 'continue' } = {}): Step[] => [
  { name: 'first', fn: (s, ctx) => ctx.waitForEvent('approval', { state: next(s, ctx), ...options }) },
  plain,
];

describe.each([
  ['the in-process Executor', executorDriver],
  ['the serverless runtime', runtimeDriver],
] as [string, Driver][])('the step model on %s', (_face, drive) => {
  it('sleeps, and runs the next step when the sleep ends, not before', async () => {
    const w = await drive([{ name: 'first', fn: (s, ctx) => ctx.sleep(HOUR, next(s, ctx)) }, plain], input);
    expect(await w.view()).toMatchObject({ state: 'waiting', stepRuns: 1, wait: { kind: 'sleep' } });
    await w.advance(HOUR - 1);
    expect((await w.view()).state).toBe('waiting');
    await w.advance(1);
    expect(await w.view()).toMatchObject({ state: 'completed', stepRuns: 2, data: { n: 2, seen: ['none', 'none'] } });
  });

  it('takes an event sent before the wait at once, from the inbox', async () => {
    const sleepThenWait: Step[] = [
      { name: 'first', fn: (s, ctx) => ctx.sleep(HOUR, next(s, ctx)) },
      { name: 'second', fn: (s, ctx) => ctx.waitForEvent('approval', { state: next(s, ctx) }) },
      plain,
    ];
    const w = await drive(sleepThenWait, input);
    expect(await w.sendEvent({ type: 'approval', payload: 'early' })).toBe('buffered');
    await w.advance(HOUR);
    expect(await w.view()).toMatchObject({ state: 'completed', data: { seen: ['none', 'none', 'early'] } });
  });

  it('delivers the same event id once', async () => {
    const w = await drive(waiting(), input);
    expect(await w.sendEvent({ type: 'approval', payload: 1, eventId: 'k' })).toBe('resumed');
    expect(await w.view()).toMatchObject({ state: 'completed', data: { seen: ['none', 1] } });
    const again = await drive(waiting(), input);
    expect(await again.sendEvent({ type: 'other', eventId: 'k' })).toBe('buffered');
    expect(await again.sendEvent({ type: 'other', eventId: 'k' })).toBe('duplicate');
  });

  it('pauses a waiting execution, keeps an event that arrives, and runs on with it when resumed', async () => {
    const w = await drive(waiting(), input);
    await w.pause();
    expect(await w.view()).toMatchObject({ state: 'paused', wait: { kind: 'event', eventType: 'approval' } });
    expect(await w.sendEvent({ type: 'approval', payload: 'ok' })).toBe('buffered');
    expect((await w.view()).state).toBe('paused');
    await w.resume();
    expect(await w.view()).toMatchObject({ state: 'completed', data: { seen: ['none', 'ok'] } });
  });

  it('resumes a paused wait into the same wait when nothing arrived', async () => {
    const w = await drive(waiting({ timeoutMs: HOUR }), input);
    await w.pause();
    await w.resume();
    expect(await w.view()).toMatchObject({ state: 'waiting', wait: { eventType: 'approval' } });
    await w.advance(HOUR);
    expect(await w.view()).toMatchObject({ state: 'failed', errorCode: 'WAIT_TIMEOUT' });
  });

  it('cancels a waiting execution', async () => {
    const w = await drive(waiting(), input);
    await w.cancel();
    expect((await w.view()).state).toBe('cancelled');
  });

  it('times a wait out with fail (WAIT_TIMEOUT) or continue (ctx.event null)', async () => {
    const failing = await drive(waiting({ timeoutMs: HOUR }), input);
    await failing.advance(HOUR);
    expect(await failing.view()).toMatchObject({ state: 'failed', errorCode: 'WAIT_TIMEOUT' });
    const going = await drive(waiting({ timeoutMs: HOUR, onTimeout: 'continue' }), input);
    await going.advance(HOUR);
    expect(await going.view()).toMatchObject({ state: 'completed', data: { seen: ['none', null] } });
  });

  it('delivers a callback once; a second use is NOT_FOUND', async () => {
    let token = '';
    const w = await drive(
      [
        {
          name: 'first',
          fn: (s, ctx) => {
            token = ctx.callbackToken('approval');
            return ctx.waitForEvent('approval', { state: next(s, ctx) });
          },
        },
        plain,
      ],
      input,
    );
    expect(await w.completeCallback(token, 'yes')).toBe('resumed');
    expect(await w.view()).toMatchObject({ state: 'completed', data: { seen: ['none', 'yes'] } });
    await expect(w.completeCallback(token, 'again')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('loops with goto, keeping one checkpoint per step run', async () => {
    const loop: Step = { name: 'loop', fn: (s, ctx) => (s.n < 49 ? ctx.goto('loop', next(s, ctx)) : next(s, ctx)) };
    const w = await drive([loop], input);
    expect(await w.view()).toMatchObject({ state: 'completed', stepRuns: 50, data: { n: 50 } });
    expect(await w.checkpointSeqs()).toEqual(Array.from({ length: 51 }, (_, i) => i));
  });

  it('fails a runaway loop with STEP_LIMIT_EXCEEDED at maxStepRuns', async () => {
    const forever: Step = { name: 'loop', fn: (s, ctx) => ctx.goto('loop', next(s, ctx)) };
    const w = await drive([forever], input, { maxStepRuns: 7 });
    expect(await w.view()).toMatchObject({ state: 'failed', stepRuns: 7, errorCode: 'STEP_LIMIT_EXCEEDED' });
  });

  it('completes an execution whose wait after the last step ends', async () => {
    const w = await drive([{ name: 'only', fn: (s, ctx) => ctx.sleep(HOUR, next(s, ctx)) }], input);
    await w.advance(HOUR);
    expect(await w.view()).toMatchObject({ state: 'completed', data: { n: 1 } });
  });
});
