/** `longrunning budget` and `longrunning usage`: an execution's budget, a workflow's usage. */
import type { ApiClient } from './api-client.js';
import type { CliIo } from './cli-io.js';
import { describeUsage } from '../../lib/index.js';
import type { View } from './format.js';
import { UsageError } from './options.js';

/** The options these commands read. */
export interface BudgetOptions {
  tokens?: string | undefined;
  'cost-usd'?: string | undefined;
  unit?: string[] | undefined;
  workflow?: string | undefined;
  json?: boolean | undefined;
}

function amount(raw: string, flag: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got "${raw}"`);
  return n;
}

/**
 * The budget the options give: `--tokens N`, `--cost-usd X`, `--unit name=value`
 * (repeatable). The API checks the amounts (greater than 0) and the unit names.
 */
export function budgetOf(values: BudgetOptions): Record<string, number> {
  const budget: Record<string, number> = {};
  if (values.tokens !== undefined) budget['tokens'] = amount(values.tokens, '--tokens');
  if (values['cost-usd'] !== undefined) budget['costUsd'] = amount(values['cost-usd'], '--cost-usd');
  for (const pair of values.unit ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new UsageError(`--unit takes name=value, got "${pair}"`);
    budget[pair.slice(0, at)] = amount(pair.slice(at + 1), `--unit ${pair.slice(0, at)}`);
  }
  if (Object.keys(budget).length === 0) throw new UsageError('budget needs --tokens, --cost-usd or --unit name=value');
  return budget;
}

function print(io: CliIo, values: BudgetOptions, json: unknown, human: () => string): number {
  io.stdout.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : human());
  return 0;
}

/** Sets an execution's budget; the API resumes one paused by its budget when the new one allows it. */
export async function runBudget(id: string, values: BudgetOptions, client: ApiClient, io: CliIo): Promise<number> {
  const path = `/executions/${encodeURIComponent(id)}/budget`;
  const view = (await client.request('POST', path, budgetOf(values))) as View & { resumed: boolean };
  return print(io, values, view, () => {
    const note = view.resumed ? ' (resumed)' : view.error?.code === 'BUDGET_EXCEEDED' ? ' (still over its budget)' : '';
    return `${view.id}: budget ${describeUsage(view.budget)}; used ${describeUsage(view.usage)}; ${view.state}${note}\n`;
  });
}

/** A workflow's usage, summed over its executions. */
export async function runUsage(values: BudgetOptions, client: ApiClient, io: CliIo): Promise<number> {
  if (values.workflow === undefined) throw new UsageError('usage needs --workflow W');
  const path = `/workflows/${encodeURIComponent(values.workflow)}/usage`;
  const totals = (await client.request('GET', path)) as {
    workflow: string;
    executions: number;
    usage: Record<string, number>;
    capped: boolean;
  };
  return print(io, values, totals, () => {
    const over = totals.capped
      ? `the newest ${totals.executions} executions (more not counted)`
      : `${totals.executions} executions`;
    return `${totals.workflow}: ${describeUsage(totals.usage)} over ${over}\n`;
  });
}
