import { describe, expect, it } from 'vitest';
import { formatLoadReport, type LoadReport } from '../../bench/load-report.js';
import { distribution } from '../../bench/percentiles.js';

const none = distribution([]);

function report(overrides: Partial<LoadReport> = {}): LoadReport {
  return {
    options: { durationSeconds: 30, inFlight: 20, concurrency: 10 },
    workflow: { name: 'load-10', steps: 10 },
    emulator: 'moto_server started here (pid 4242)',
    machine: '2 CPUs, Node v20.20.2, linux x64',
    times: { windowStart: 0, windowEnd: 30_000, end: 32_000 },
    summary: {
      started: 120,
      completed: 120,
      completedInWindow: 100,
      failed: 0,
      cancelled: 0,
      unfinished: [],
      stepsInWindow: 1_170,
      stepsPerSecondBySlice: [45, 42, 40, 38, 35.04, 34],
      sendToCommit: distribution([100, 200, 300, 400]),
      queueWait: distribution([10.4, 20.6]),
      claimToCommit: none,
      startRequest: distribution([5]),
      startToComplete: distribution([2_000, 3_000]),
      errors: [],
    },
    cpu: { emulator: 24_000, own: 6_000 },
    ...overrides,
  };
}

describe('formatLoadReport', () => {
  it('prints counts, throughput over the window, latency rows and CPU as shares of the window', () => {
    const text = formatLoadReport(report());
    expect(text).toContain('20 executions of load-10 (10 steps) in flight, 30.0 s window, worker concurrency 10');
    expect(text).toContain('started 120, completed 120 (100 in the window, 20 while draining), failed 0');
    expect(text).toContain('throughput: 39.0 steps/s (1,170 step commits in the window), 3.33 executions/s');
    expect(text).toContain('steps/s over the window in 6 equal slices: 45.0, 42.0, 40.0, 38.0, 35.0, 34.0\n');
    expect(text).toMatch(/step: send to commit +4 +200 +400 +400 +400\n/);
    expect(text).toMatch(/step: queue wait \(send to claim\) +2 +10 +21 +21 +21\n/);
    expect(text).toMatch(/step: claim to commit +0 +n\/a +n\/a +n\/a +n\/a\n/);
    expect(text).toContain('errors and anomalies by kind:\n  none\n');
    expect(text).toContain(
      'CPU over the window: emulator 24.0 s (80% of wall time); this process 6.0 s (20% of wall time)',
    );
  });

  it('lists errors with their first detail, names unfinished executions, and says why emulator CPU is missing', () => {
    const base = report();
    const text = formatLoadReport({
      ...base,
      summary: {
        ...base.summary,
        unfinished: ['exec_a', 'exec_b'],
        errors: [
          { kind: 'warn: poll failed; retrying in 1 s', count: 3, detail: 'socket hang up' },
          { kind: 'error: api request failed', count: 2, detail: 'Error: store down\n    at create (create.ts:1:1)' },
          { kind: 'worker outcome: dropped', count: 1 },
        ],
      },
      cpu: { emulator: 'n/a (external emulator)', own: 3_000 },
    });
    expect(text).toContain('unfinished 2\n  unfinished when the drain ended: exec_a, exec_b\n');
    expect(text).toContain('       3  warn: poll failed; retrying in 1 s (first: socket hang up)\n');
    expect(text).toContain('       2  error: api request failed (first: Error: store down)\n');
    expect(text).toContain('       1  worker outcome: dropped\n');
    expect(text).toContain(
      'CPU over the window: emulator n/a (external emulator); this process 3.0 s (10% of wall time)',
    );
  });
});
