import { describe, expect, it } from 'vitest';
import { chaosInput, expectedState } from '../../chaos/chaos-workflow.js';
import { noActions } from '../../chaos/control-actions.js';
import { defaultChaosOptions } from '../../chaos/options.js';
import { buildReport, type ReportInput } from '../../chaos/report.js';
import type { ScannedExecution, ShardContents } from '../../chaos/table-scan.js';
import { TraceCollector } from '../../chaos/trace-collector.js';

const ID = (n: number) => `exec_${String(n).padStart(32, '0')}`;
const text = (steps: number) => JSON.stringify(expectedState(chaosInput(1), steps));

function completed(n: number): ScannedExecution {
  return {
    id: ID(n),
    shard: 0,
    head: { state: 'completed', currentStep: 2, totalSteps: 2, version: 2, data: text(2) },
    checkpoints: [0, 1, 2].map((step) => ({ step, data: text(step), timestamp: 1000 * (step + 1) })),
  };
}

function input(contents: ShardContents, collector = new TraceCollector(hooks)): ReportInput {
  return {
    options: { ...defaultChaosOptions(5), executions: 3, steps: 2 },
    shards: 1,
    timing: 't',
    contents: [contents],
    collector,
    controls: { ids: new Map([[1, ID(2)]]), cancelRequested: new Set(), eventAccepted: new Set(), markers: [] },
    counts: { ...noActions(), start: 2 },
    plans: [0, 1, 2].map((index) => ({ index, idempotencyKey: `k${index}` })),
    chaosPhase: 'settled',
    chaosSeconds: 50,
    drained: true,
    seconds: 10,
    workerRestarts: 0,
    workerFailures: [],
  };
}
const hooks = { stepCompleted: () => undefined, executionFailed: () => undefined, executionCompleted: () => undefined };

describe('buildReport', () => {
  it('counts a started execution with no items as lost and one never started as unstarted', () => {
    const contents: ShardContents = { executions: [completed(1)], keys: new Map([['k0', ID(1)]]), messages: [] };
    const r = buildReport(input(contents));
    expect(r.outcomes).toEqual({ completed: 1, failed: 0, cancelled: 0, lost: 1, unstarted: 1 });
    expect(r.problems).toEqual([`${ID(2)}: started (key k1) but no item left in the table`]);
  });

  it('counts dead letters and flags one that could still be claimed', () => {
    const running: ScannedExecution = {
      ...completed(3),
      head: { state: 'running', currentStep: 1, totalSteps: 2, version: 1, data: text(1) },
      checkpoints: completed(3).checkpoints.slice(0, 2),
    };
    const body = (n: number, step: number) => JSON.stringify({ v: 1, executionId: ID(n), step, token: step });
    const contents: ShardContents = {
      executions: [completed(1), running],
      keys: new Map(),
      messages: [
        { shard: 0, body: body(1, 1), deadLetter: true },
        { shard: 0, body: body(3, 1), deadLetter: true },
        { shard: 0, body: body(1, 2), deadLetter: false },
      ],
    };
    const r = buildReport(input(contents));
    expect(r.messages).toEqual({ stray: 1, pending: 0, deadLetters: 2, unexplainedDeadLetters: 1 });
    // the running one, and the one the driver started that left no item
    expect(r.outcomes.lost).toBe(2);
  });

  it("measures recovery from the checkpoints' commit times to the claims the workers printed", () => {
    const collector = new TraceCollector(hooks);
    const claim = (step: number, at: number) =>
      collector.see({ k: 'ev', t: at, w: 'w0.0', id: ID(1), type: 'step_started', step, at });
    claim(0, 1100);
    claim(1, 2500);
    claim(1, 2600);
    collector.see({
      op: 'claim',
      k: 'fault',
      t: 2200,
      w: 'w0.0',
      id: ID(1),
      kind: 'lost',
      command: 'UpdateItemCommand',
      layer: 'outer',
    });
    const r = buildReport(input({ executions: [completed(1)], keys: new Map(), messages: [] }, collector));
    expect(r.recovery.clean).toMatchObject({ n: 1, median: 100 });
    expect(r.recovery.fault).toMatchObject({ n: 1, median: 500 });
    expect(r.recovery.byKind).toEqual({ 'lost:claim:outer': { n: 1, median: 500, p90: 500, max: 500 } });
    expect(r.reruns).toBe(1);
    expect(r.faults).toMatchObject({ lost: 1, 'lost:outer': 1 });
  });

  it('leaves the wait after a sleep or an event wait out of recovery, and counts the planned waits', () => {
    const waits = { sleep: { step: 0, ms: 500 }, event: { step: 1 } };
    const folded = (steps: number) => JSON.stringify(expectedState(chaosInput(1, undefined, waits), steps));
    const waiting: ScannedExecution = {
      id: ID(1),
      shard: 0,
      head: { state: 'completed', currentStep: 3, totalSteps: 3, version: 5, data: folded(3) },
      checkpoints: [0, 1, 2, 3].map((step) => ({ step, data: folded(step), timestamp: 1000 * (step + 1) })),
    };
    const collector = new TraceCollector(hooks);
    for (const [step, at] of [
      [0, 1100],
      [1, 2900],
      [2, 9000],
    ] as const)
      collector.see({ k: 'ev', t: at, w: 'w0.0', id: ID(1), type: 'step_started', step, at });
    const r = buildReport({
      ...input({ executions: [waiting], keys: new Map(), messages: [] }, collector),
      options: { ...defaultChaosOptions(5), executions: 3, steps: 3 },
      plans: [{ index: 0, idempotencyKey: 'k0', sleepStep: 0, eventStep: 1 }],
    });
    expect(r.recovery.clean).toMatchObject({ n: 1, median: 100 });
    expect(r.waits).toEqual({ sleep: 1, event: 1 });
    expect(r.corrupt).toBe(0);
  });

  it('counts the planned large executions, and those found with a state kept in S3', () => {
    const r = buildReport({
      ...input({ executions: [{ ...completed(1), offloaded: true }, completed(2)], keys: new Map(), messages: [] }),
      plans: [
        { index: 0, idempotencyKey: 'k0', large: true },
        { index: 1, idempotencyKey: 'k1', large: true },
        { index: 2, idempotencyKey: 'k2' },
      ],
    });
    expect(r.large).toEqual({ planned: 2, offloaded: 1 });
  });
});
