import { describe, expect, it } from 'vitest';
import type { CheckpointView, ExecutionView } from '../../../lib/runtime/execution-view.js';
import { controlsFor, formatDuration, relativeTime, timeline } from '../../../apps/console/ui/timeline.js';
import { parseRoute, executionHref, listHref } from '../../../apps/console/ui/router.js';

const T0 = Date.parse('2026-12-02T10:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function exec(over: Partial<ExecutionView> = {}): ExecutionView {
  return {
    id: 'exec_1',
    name: 'n',
    workflow: 'w',
    state: 'running',
    progress: 50,
    currentStep: 2,
    totalSteps: 4,
    stepNames: ['a', 'b', 'c', 'd'],
    startTime: iso(0),
    lastUpdate: iso(3_000),
    metadata: {},
    stepRuns: 2,
    inboxSize: 0,
    ...over,
  };
}

const cp = (seq: number, step: number, at: number, over: Partial<CheckpointView> = {}): CheckpointView => ({
  id: `exec_1/${seq}`,
  seq,
  step,
  stepName: ['a', 'b', 'c', 'd'][step] ?? 'end',
  timestamp: iso(at),
  state: { seq },
  ...over,
});

describe('timeline', () => {
  it('builds the committed runs from consecutive checkpoints, newest first, under the current step', () => {
    const entries = timeline(
      exec({
        error: { code: 'THROTTLED', message: 'slow down' },
        events: [
          { type: 'step_completed', step: 1, at: iso(3_000) },
          { type: 'step_failed', step: 2, at: iso(4_000), attempt: 1, error: { code: 'THROTTLED', message: 'x' } },
          { type: 'step_failed', step: 2, at: iso(5_000), attempt: 2, error: { code: 'THROTTLED', message: 'x' } },
        ],
      }),
      [cp(2, 2, 3_000), cp(0, 0, 0), cp(1, 1, 1_200)],
    );
    expect(entries).toEqual([
      { step: 2, name: 'c', status: 'current', failedAttempts: 2, error: { code: 'THROTTLED', message: 'slow down' } },
      { step: 1, name: 'b', status: 'committed', checkpoint: 2, durationMs: 1_800, at: iso(3_000) },
      { step: 0, name: 'a', status: 'committed', checkpoint: 1, durationMs: 1_200, at: iso(1_200) },
    ]);
  });

  it('skips runs whose input is not loaded and rewind checkpoints, and marks superseded runs', () => {
    const entries = timeline(exec({ state: 'completed', currentStep: 4 }), [
      cp(4, 1, 9_000, { rewoundTo: 1 }),
      cp(3, 3, 5_000, { superseded: true }),
      cp(2, 2, 4_000, { superseded: true }),
    ]);
    expect(entries).toEqual([
      { step: 2, name: 'c', status: 'superseded', checkpoint: 3, durationMs: 1_000, at: iso(5_000) },
    ]);
  });
});

describe('controlsFor', () => {
  it('offers the transitions the API allows from each state', () => {
    expect(controlsFor('running')).toEqual(['pause', 'cancel', 'send-event']);
    expect(controlsFor('paused')).toEqual(['resume', 'cancel', 'send-event']);
    expect(controlsFor('failed')).toEqual(['retry', 'delete']);
    expect(controlsFor('completed')).toEqual(['delete']);
    expect(controlsFor('nonsense')).toEqual([]);
  });
});

describe('times', () => {
  it('formats durations for people', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4_200)).toBe('4.2 s');
    expect(formatDuration(185_000)).toBe('3 min 5 s');
    expect(formatDuration(7_800_000)).toBe('2 h 10 min');
    expect(formatDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe('3 d 4 h');
    expect(formatDuration(-1)).toBe('–');
  });

  it('says how long ago or ahead a time is', () => {
    expect(relativeTime(iso(0), T0 + 5_000)).toBe('5.0 s ago');
    expect(relativeTime(iso(60_000), T0)).toBe('in 1 min 0 s');
    expect(relativeTime(iso(0), T0 + 200)).toBe('just now');
    expect(relativeTime('not a time', T0)).toBe('not a time');
  });
});

describe('routes', () => {
  it('parses the list, an execution and its checkpoint, and anything else as missing', () => {
    expect(parseRoute('/console', '?state=failed', '')).toMatchObject({ page: 'list' });
    expect(parseRoute('/console/', '', '')).toMatchObject({ page: 'list' });
    expect(parseRoute('/console/executions/exec_1', '', '#checkpoint=3')).toEqual({
      page: 'execution',
      id: 'exec_1',
      checkpoint: 3,
    });
    expect(parseRoute('/console/executions/exec_1', '', '#other')).toEqual({ page: 'execution', id: 'exec_1' });
    expect(parseRoute('/console/nope', '', '')).toEqual({ page: 'missing', path: '/console/nope' });
  });

  it('builds links that parse back', () => {
    expect(executionHref('exec 1', 2)).toBe('/console/executions/exec%201#checkpoint=2');
    expect(parseRoute('/console/executions/exec%201', '', '#checkpoint=2')).toMatchObject({ id: 'exec 1' });
    expect(listHref({ state: 'failed', workflow: undefined, name: 'a b' })).toBe('/console?state=failed&name=a+b');
    expect(listHref({})).toBe('/console');
  });
});
