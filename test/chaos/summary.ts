import type { Stats } from './recovery.js';
import type { ChaosReport } from './report.js';

/** The fault kinds of the summary, in order, and their short names. */
const FAULT_KINDS: [key: string, label: string][] = [
  ['lost', 'lost-response'],
  ['throttle', 'throttle'],
  ['slow', 'slow'],
  ['duplicate', 'dup-send'],
  ['step-throw', 'step-throw'],
  ['step-hang', 'step-hang'],
  ['step-oversize', 'step-oversize'],
  ['crash', 'crash'],
  ['kill', 'kill'],
];

/**
 * The one summary line of a run: its shape and seed, the faults injected by kind,
 * how the executions ended, the broken guarantees (lost, double commits, corrupt),
 * re-runs, the planned waits and large executions, recovery times with and without a fault before them, what was left in
 * the queues, the time taken and the runtime timing used.
 */
export function formatSummary(r: ChaosReport): string {
  const faults = FAULT_KINDS.map(([key, label]) => `${label}=${r.faults[key] ?? 0}`).join(' ');
  const f = r.failedBy;
  const failed = `failed=${r.outcomes.failed}(poisoned=${f.poisoned} throw=${f['step-throw']} hang=${f['step-hang']} oversize=${f['step-oversize']} claims=${f.claims} wait-timeout=${f['wait-timeout']} other=${f.other})`;
  const unstarted = r.outcomes.unstarted > 0 ? ` unstarted=${r.outcomes.unstarted}` : '';
  const drained = r.drained ? '' : ' NOT-DRAINED';
  return [
    `chaos seed=${r.seed} ${r.executions}x${r.steps} workers=${r.workers} tables=${r.shards}`,
    `faults ${faults}`,
    `completed=${r.outcomes.completed} ${failed} cancelled=${r.outcomes.cancelled}${unstarted}`,
    `lost=${r.outcomes.lost} double=${r.double} corrupt=${r.corrupt}`,
    `reruns=${r.reruns}`,
    `waits sleep=${r.waits.sleep} event=${r.waits.event} events-sent=${r.controls.event}(dup=${r.controls.eventDuplicate} redelivered=${r.controls.eventRedelivered})`,
    `large=${r.large.planned}(offloaded=${r.large.offloaded})`,
    `chained=${r.chain.planned}(steps=${r.chain.chainedSteps})`,
    `recovery fault ${statsText(r.recovery.fault)} no-fault ${statsText(r.recovery.clean)}`,
    `dlq=${r.messages.deadLetters}(unexplained=${r.messages.unexplainedDeadLetters}) stray=${r.messages.stray}`,
    `time=${Math.round(r.seconds)}s(chaos=${Math.round(r.chaosSeconds)}s${r.chaosPhase === 'duration' ? ' cut' : ''})${drained}`,
    `timing ${r.timing}`,
  ].join(' | ');
}

/** `med=120ms max=900ms n=40`, or `n=0`. */
export function statsText(s: Stats): string {
  return s.n === 0 ? 'n=0' : `med=${Math.round(s.median)}ms max=${Math.round(s.max)}ms n=${s.n}`;
}
