import type { DriveTimes } from './load-driver.js';
import type { LoadOptions } from './load-options.js';
import { type LoadSummary, WINDOW_SLICES } from './load-summary.js';
import type { Distribution } from './percentiles.js';

/** Everything the report prints. CPU times are in milliseconds, over the window. */
export interface LoadReport {
  options: LoadOptions;
  workflow: { name: string; steps: number };
  /** Where the emulator runs, in words ("moto_server started here (pid 4242)"). */
  emulator: string;
  /** The machine, in words ("2 CPUs, Node v20.20.2, linux x64"). */
  machine: string;
  times: DriveTimes;
  summary: LoadSummary;
  cpu: {
    /** The emulator's CPU time, or why it is unknown ("n/a (external emulator)"). */
    emulator: number | string;
    own: number;
  };
}

const ms = (v: number | undefined): string => (v === undefined ? 'n/a' : String(Math.round(v)));
const int = (n: number): string => n.toLocaleString('en-US');

/** A detail's first line (a logged stack trace starts with the error's message), at most 200 characters. */
function firstLine(text: string): string {
  const line = text.split('\n', 1)[0]!;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function row(label: string, d: Distribution): string {
  const cells = [int(d.count), ms(d.p50), ms(d.p95), ms(d.p99), ms(d.max)];
  return `  ${label.padEnd(34)}${cells.map((c) => c.padStart(8)).join('')}`;
}

function cpuShare(label: string, cpu: number | string, wallMs: number): string {
  if (typeof cpu === 'string') return `${label} ${cpu}`;
  return `${label} ${(cpu / 1000).toFixed(1)} s (${Math.round((cpu / wallMs) * 100)}% of wall time)`;
}

/** The report as printed at the end of `npm run load`. */
export function formatLoadReport(r: LoadReport): string {
  const s = r.summary;
  const windowMs = Math.max(1, r.times.windowEnd - r.times.windowStart);
  const seconds = (windowMs / 1000).toFixed(1);
  const errors = s.errors.length
    ? s.errors.map(
        (e) => `  ${String(e.count).padStart(6)}  ${e.kind}${e.detail ? ` (first: ${firstLine(e.detail)})` : ''}`,
      )
    : ['  none'];
  const unfinished = s.unfinished.length
    ? [
        `  unfinished when the drain ended: ${s.unfinished.slice(0, 5).join(', ')}${s.unfinished.length > 5 ? ', …' : ''}`,
      ]
    : [];
  return [
    `== npm run load: ${r.options.inFlight} executions of ${r.workflow.name} (${r.workflow.steps} steps) in flight, ` +
      `${seconds} s window, worker concurrency ${r.options.concurrency} ==`,
    `machine: ${r.machine}; emulator: ${r.emulator}`,
    `executions: started ${int(s.started)}, completed ${int(s.completed)} (${int(s.completedInWindow)} in the window, ` +
      `${int(s.completed - s.completedInWindow)} while draining), failed ${s.failed}, cancelled ${s.cancelled}, ` +
      `unfinished ${s.unfinished.length}`,
    ...unfinished,
    `throughput: ${(s.stepsInWindow / (windowMs / 1000)).toFixed(1)} steps/s ` +
      `(${int(s.stepsInWindow)} step commits in the window), ` +
      `${(s.completedInWindow / (windowMs / 1000)).toFixed(2)} executions/s`,
    `steps/s over the window in ${WINDOW_SLICES} equal slices: ${s.stepsPerSecondBySlice.map((v) => v.toFixed(1)).join(', ')}`,
    `latency (ms)${' '.repeat(24)}${['n', 'p50', 'p95', 'p99', 'max'].map((h) => h.padStart(8)).join('')}`,
    row('step: send to commit', s.sendToCommit),
    row('step: queue wait (send to claim)', s.queueWait),
    row('step: claim to commit', s.claimToCommit),
    row('execution: POST /executions', s.startRequest),
    row(`execution: start to complete`, s.startToComplete),
    'errors and anomalies by kind:',
    ...errors,
    `CPU over the window: ${cpuShare('emulator', r.cpu.emulator, windowMs)}; ` +
      `${cpuShare('this process', r.cpu.own, windowMs)} (engine, SDK, HTTP bridge and load driver)`,
    'send: the SentTimestamp SQS gives the step message; claim: the worker issuing its claim; commit: the commit ' +
      'written (step_completed delivered). start to complete: POST sent to the last commit written.',
  ].join('\n');
}
