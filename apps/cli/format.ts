import { describeUsage, type ExecutionView } from '../../lib/index.js';

/** The execution view the API returns. */
export type View = ExecutionView;

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** True once the execution can no longer change. */
export function isFinished(view: View): boolean {
  return TERMINAL.has(view.state);
}

/** `23h 59m`, `5m 3s`, `42s`: a duration for people, at most two units. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/**
 * What a waiting (or paused-in-a-wait) execution waits for, in words:
 * `waiting for approval (timeout in 23h 59m)`, `sleeping until 14:05:00` (UTC, with
 * the date when it is not today). Undefined when it does not wait.
 */
export function describeWait(view: View, now: number): string | undefined {
  const wait = view.wait;
  if (!wait) return undefined;
  const until = wait.until === undefined ? undefined : Date.parse(wait.until);
  if (wait.kind === 'sleep') {
    if (until === undefined) return 'sleeping';
    const iso = new Date(until).toISOString();
    const sameDay = iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10);
    return `sleeping until ${sameDay ? iso.slice(11, 19) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`} UTC`;
  }
  const what = `waiting for ${wait.eventType ?? 'an event'}`;
  return until === undefined ? what : `${what} (timeout in ${humanDuration(until - now)})`;
}

/** The name of the step an execution is on, or a word for where it is. */
export function currentStepName(view: View): string {
  if (view.state === 'completed') return 'done';
  return view.stepNames[view.currentStep] ?? `step ${view.currentStep + 1}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return (
    rows
      .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
      .join('\n') + '\n'
  );
}

/** An execution as `key: value` lines. */
export function formatExecution(view: View): string {
  const lines = [
    `id:        ${view.id}`,
    `name:      ${view.name}`,
    `workflow:  ${view.workflow}${view.workflowVersion === undefined ? '' : ` (version ${view.workflowVersion})`}`,
    `state:     ${view.state}`,
    `progress:  ${view.progress.toFixed(0)}% (${Math.min(view.currentStep, view.totalSteps)}/${view.totalSteps} steps, at ${currentStepName(view)})`,
    `steps:     ${view.stepNames.join(' -> ')}`,
    `started:   ${view.startTime}`,
    `updated:   ${view.lastUpdate}`,
  ];
  if (view.forkedFrom)
    lines.push(`forked:    from ${view.forkedFrom.executionId} at checkpoint ${view.forkedFrom.checkpoint}`);
  if (view.superseded?.length)
    lines.push(
      `rewound:   checkpoints ${view.superseded.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(', ')} superseded`,
    );
  const waiting = describeWait(view, Date.now());
  if (waiting) lines.push(`waits:     ${waiting}`);
  if (view.endTime) lines.push(`ended:     ${view.endTime}`);
  if (view.usage || view.budget) lines.push(`usage:     ${describeUsage(view.usage, view.budget)}`);
  if (view.throttled) lines.push(`waiting:   ${view.throttled.message} since ${view.throttled.since}`);
  if (view.error) lines.push(`error:     ${view.error.code}: ${view.error.message}`);
  if (view.output !== undefined) lines.push(`output:    ${JSON.stringify(view.output)}`);
  else if (view.data !== undefined) lines.push(`latest:    ${shortened(JSON.stringify(view.data) ?? 'null', 300)}`);
  return lines.join('\n') + '\n';
}

/** A page of executions as a table. */
export function formatList(page: { items: View[]; nextToken?: string }): string {
  if (page.items.length === 0) return 'no executions\n';
  const rows = [['ID', 'STATE', 'PROGRESS', 'WORKFLOW', 'NAME', 'STARTED']];
  for (const v of page.items) rows.push([v.id, v.state, `${v.progress.toFixed(0)}%`, v.workflow, v.name, v.startTime]);
  return table(rows) + (page.nextToken ? `more: --next-token ${page.nextToken}\n` : '');
}

function shortened(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** One item of `GET /executions/{id}/checkpoints`, as the CLI reads it. */
export interface CheckpointItem {
  seq?: number;
  step: number;
  timestamp: string;
  state: unknown;
  rewoundTo?: number;
  superseded?: true;
}

/**
 * A page of checkpoints as a table, states shortened: SEQ is what `fork --from` and
 * `rewind --to` take; NOTE marks rewinds and the checkpoints they went back past.
 */
export function formatCheckpoints(page: { items: CheckpointItem[]; nextToken?: string }): string {
  if (page.items.length === 0) return 'no checkpoints\n';
  const rows = [['SEQ', 'STEP', 'TIMESTAMP', 'NOTE', 'STATE']];
  for (const c of page.items) {
    const state = JSON.stringify(c.state) ?? 'null';
    const note = c.rewoundTo !== undefined ? `rewound to ${c.rewoundTo}` : c.superseded ? 'superseded' : '-';
    rows.push([String(c.seq ?? c.step), String(c.step), c.timestamp, note, shortened(state, 60)]);
  }
  return table(rows) + (page.nextToken ? `more: --next-token ${page.nextToken}\n` : '');
}

/** The workflows, one per line with their steps. */
export function formatWorkflows(items: { name: string; version?: string; steps: string[] }[]): string {
  return items.map((w) => `${w.name}${w.version ? ` (v${w.version})` : ''}: ${w.steps.join(' -> ')}`).join('\n') + '\n';
}
