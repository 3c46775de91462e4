import { describe, expect, it } from 'vitest';
import { brokeGuarantees, type ChaosReport } from '../../chaos/report.js';
import { formatSummary, statsText } from '../../chaos/summary.js';

const stats = (median: number, max: number, n: number) => ({ n, median, p90: max, max });

function report(over: Partial<ChaosReport> = {}): ChaosReport {
  return {
    seed: 42,
    executions: 40,
    steps: 8,
    workers: 3,
    shards: 2,
    timing: 'lease=5000',
    faults: { lost: 3, throttle: 4, slow: 5, duplicate: 6, 'step-throw': 7, kill: 2 },
    outcomes: { completed: 36, failed: 2, cancelled: 2, lost: 0, unstarted: 0 },
    failedBy: {
      poisoned: 0,
      'step-throw': 1,
      'step-hang': 0,
      'step-oversize': 0,
      claims: 1,
      'wait-timeout': 0,
      other: 0,
    },
    waits: { sleep: 4, event: 3 },
    large: { planned: 5, offloaded: 5 },
    chain: { planned: 12, chainedSteps: 31 },
    double: 0,
    corrupt: 0,
    reruns: 9,
    recovery: { fault: stats(2500.4, 9000, 12), clean: stats(300, 1200, 250), byKind: {} },
    messages: { stray: 0, pending: 0, deadLetters: 1, unexplainedDeadLetters: 0 },
    controls: {
      start: 40,
      pause: 4,
      resume: 4,
      cancel: 2,
      retry: 1,
      event: 3,
      eventDuplicate: 1,
      eventRedelivered: 0,
      illegal: 0,
      gaveUp: 0,
    },
    stepOutcomes: {},
    logs: {},
    chaosPhase: 'settled',
    chaosSeconds: 50,
    drained: true,
    seconds: 61.6,
    workerRestarts: 2,
    workerFailures: [],
    problems: [],
    ...over,
  };
}

describe('formatSummary', () => {
  it('puts the whole run on one line', () => {
    expect(formatSummary(report())).toBe(
      'chaos seed=42 40x8 workers=3 tables=2' +
        ' | faults lost-response=3 throttle=4 slow=5 dup-send=6 step-throw=7 step-hang=0 step-oversize=0 crash=0 kill=2' +
        ' | completed=36 failed=2(poisoned=0 throw=1 hang=0 oversize=0 claims=1 wait-timeout=0 other=0) cancelled=2' +
        ' | lost=0 double=0 corrupt=0 | reruns=9' +
        ' | waits sleep=4 event=3 events-sent=3(dup=1 redelivered=0) | large=5(offloaded=5) | chained=12(steps=31)' +
        ' | recovery fault med=2500ms max=9000ms n=12 no-fault med=300ms max=1200ms n=250' +
        ' | dlq=1(unexplained=0) stray=0 | time=62s(chaos=50s) | timing lease=5000',
    );
  });

  it('flags unstarted executions, a chaos phase cut by its limit and a drain that timed out', () => {
    const line = formatSummary(
      report({ outcomes: { ...report().outcomes, unstarted: 3 }, drained: false, chaosPhase: 'duration' }),
    );
    expect(line).toContain('cancelled=2 unstarted=3 |');
    expect(line).toContain('time=62s(chaos=50s cut) NOT-DRAINED');
    expect(line).not.toContain('\n');
  });

  it('shows an empty sample as n=0', () => {
    expect(statsText({ n: 0, median: 0, p90: 0, max: 0 })).toBe('n=0');
  });
});

describe('brokeGuarantees', () => {
  it('is true for any lost, double-committed or corrupt execution or redelivered event, and only then', () => {
    expect(brokeGuarantees(report())).toBe(false);
    expect(brokeGuarantees(report({ outcomes: { ...report().outcomes, lost: 1 } }))).toBe(true);
    expect(brokeGuarantees(report({ double: 1 }))).toBe(true);
    expect(brokeGuarantees(report({ corrupt: 1 }))).toBe(true);
    expect(brokeGuarantees(report({ controls: { ...report().controls, eventRedelivered: 1 } }))).toBe(true);
  });
});
