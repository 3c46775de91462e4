import type { ExecutionView } from '../../lib/index.js';

/** The execution view the API returns. */
export type View = ExecutionView;

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** True once the execution can no longer change. */
export function isFinished(view: View): boolean {
  return TERMINAL.has(view.state);
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
    `workflow:  ${view.workflow}`,
    `state:     ${view.state}`,
    `progress:  ${view.progress.toFixed(0)}% (${Math.min(view.currentStep, view.totalSteps)}/${view.totalSteps} steps, at ${currentStepName(view)})`,
    `steps:     ${view.stepNames.join(' -> ')}`,
    `started:   ${view.startTime}`,
    `updated:   ${view.lastUpdate}`,
  ];
  if (view.endTime) lines.push(`ended:     ${view.endTime}`);
  if (view.error) lines.push(`error:     ${view.error.code}: ${view.error.message}`);
  if (view.output !== undefined) lines.push(`output:    ${JSON.stringify(view.output)}`);
  return lines.join('\n') + '\n';
}

/** A page of executions as a table. */
export function formatList(page: { items: View[]; nextToken?: string }): string {
  if (page.items.length === 0) return 'no executions\n';
  const rows = [['ID', 'STATE', 'PROGRESS', 'WORKFLOW', 'NAME', 'STARTED']];
  for (const v of page.items) rows.push([v.id, v.state, `${v.progress.toFixed(0)}%`, v.workflow, v.name, v.startTime]);
  return table(rows) + (page.nextToken ? `more: --next-token ${page.nextToken}\n` : '');
}

/** A page of checkpoints as a table, states shortened. */
export function formatCheckpoints(page: {
  items: { step: number; timestamp: string; state: unknown }[];
  nextToken?: string;
}): string {
  if (page.items.length === 0) return 'no checkpoints\n';
  const rows = [['STEP', 'TIMESTAMP', 'STATE']];
  for (const c of page.items) {
    const state = JSON.stringify(c.state) ?? 'null';
    rows.push([String(c.step), c.timestamp, state.length > 60 ? `${state.slice(0, 57)}...` : state]);
  }
  return table(rows) + (page.nextToken ? `more: --next-token ${page.nextToken}\n` : '');
}

/** The workflows, one per line with their steps. */
export function formatWorkflows(items: { name: string; version?: string; steps: string[] }[]): string {
  return items.map((w) => `${w.name}${w.version ? ` (v${w.version})` : ''}: ${w.steps.join(' -> ')}`).join('\n') + '\n';
}
