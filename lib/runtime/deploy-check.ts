import { createHash } from 'node:crypto';
import { ValidationError } from '../core/errors.js';
import { isTerminalState, isExecutionState, ExecutionState } from '../core/execution-state.js';
import type { Page } from './model.js';
import type { Workflow } from './workflow.js';

// The deploy check: which unfinished executions the workflows about to be deployed
// would strand. The worker resolves a step by its NAME through the registry
// (`workflows.step(name)`, step-processor.ts), whichever workflow registered it, and
// parks an execution (paused, STEP_NOT_REGISTERED) when the name it reaches is not
// there. So a stored step name is "present" exactly when `registry.step(name)` finds it.

/** The states {@link listUnfinishedExecutions} reads: every state an execution can later run a step from. */
export const DEPLOY_CHECK_STATES = [ExecutionState.Running, ExecutionState.Waiting, ExecutionState.Paused] as const;

/** Execution ids a report group lists at most (its `count` covers them all). */
export const DEPLOY_CHECK_MAX_IDS = 20;

/** What {@link checkDeploy} needs of a registry: the same step lookup the worker uses. */
export interface DeployedWorkflows {
  /** The registered workflows. */
  list(): readonly Workflow[];
  /** The step called `name` from any registered workflow, or undefined. */
  step(name: string): unknown;
}

/** The fields of an execution head (or of its API view) the check reads. */
export interface DeployCheckExecution {
  id: string;
  workflow: string;
  state: string;
  stepNames: readonly string[];
  currentStep: number;
  /** The workflow's `version` the execution was started (or forked) under; absent or null when none was recorded. */
  workflowVersion?: string | null;
}

/** Executions of one workflow whose stored step list names a step the new registry lacks. */
export interface StrandedGroup {
  workflow: string;
  /** The step name no registered workflow has. */
  missingStep: string;
  /** Executions in this group (an execution missing two steps is in two groups). */
  count: number;
  /** The first {@link DEPLOY_CHECK_MAX_IDS} of them. */
  executionIds: string[];
}

/**
 * Executions whose step names are all registered, but whose stored list is not the
 * new workflow's list (order or length differ; or the workflow itself is gone, and
 * its steps live on in another). They keep running, with the NEW code of each step
 * from their next step on, by name and in their stored order. Executions started
 * under different versions are in different groups.
 */
export interface ChangedStepsGroup {
  workflow: string;
  count: number;
  /** The step list the executions were started with. */
  executionSteps: string[];
  /** The deployed workflow's list; null when no workflow of that name is deployed. */
  deployedSteps: string[] | null;
  /** The workflow version the executions were started under; null when none was recorded. */
  executionVersion: string | null;
  /** The deployed workflow's version; null when it has none or is not deployed. */
  deployedVersion: string | null;
  executionIds: string[];
}

/**
 * Executions whose stored step list is the deployed workflow's, but which were
 * started under another version of it (or under none, or it has none now). They
 * keep running, with the NEW code of each step from their next step on.
 */
export interface VersionChangedGroup {
  workflow: string;
  count: number;
  /** The workflow version the executions were started under; null when none was recorded. */
  executionVersion: string | null;
  /** The deployed workflow's version; null when it has none. */
  deployedVersion: string | null;
  executionIds: string[];
}

/** The result of {@link checkDeploy}. */
export interface DeployCheckReport {
  /** Executions checked (non-terminal ones; terminal ones are skipped). */
  scanned: number;
  /**
   * Missing at an index >= currentStep: the execution WILL be parked (paused with
   * STEP_NOT_REGISTERED) when it reaches that step. Fails the check.
   */
  stranded: StrandedGroup[];
  /** Distinct executions in {@link stranded}. */
  strandedExecutions: number;
  /**
   * Missing only at indexes < currentStep (steps already run): harmless unless a
   * `goto` (or a loop) goes back to one, when it is parked. Does not fail the check
   * unless `strict` is set.
   */
  missingAmongRun: StrandedGroup[];
  /** Distinct executions in {@link missingAmongRun}. */
  missingAmongRunExecutions: number;
  /** Step list changed but every name registered: runs the new code at its next step. Never fails the check. */
  changedSteps: ChangedStepsGroup[];
  /** Same step list, other workflow version: runs the new code at its next step. Never fails the check. */
  versionChanged: VersionChangedGroup[];
  /** True when nothing would be stranded (with `strict`, also nothing missing among steps already run). */
  ok: boolean;
}

/** Options of {@link checkDeploy}. */
export interface DeployCheckOptions {
  /** Also fail on steps missing only among the steps already run. Default false. */
  strict?: boolean;
}

/**
 * Checks unfinished executions against the workflows about to be deployed; pure.
 * Terminal executions (completed, failed, cancelled) are skipped. Throws
 * VALIDATION_ERROR for a registry without `list`/`step`, or an execution missing a field.
 *
 * @example
 * const report = checkDeploy(deployedWorkflows(), await listUnfinishedExecutions((q) => control.list(q)));
 * if (!report.ok) console.error(formatDeployCheck(report));
 */
export function checkDeploy(
  workflows: DeployedWorkflows | readonly Workflow[],
  executions: Iterable<DeployCheckExecution>,
  options: DeployCheckOptions = {},
): DeployCheckReport {
  const registry = asDeployed(workflows);
  if (executions === null || typeof executions !== 'object' || !(Symbol.iterator in executions))
    throw new ValidationError('checkDeploy: executions must be an iterable of executions');
  const deployed = new Map(registry.list().map((w) => [w.name, w]));
  const has = (name: string): boolean => registry.step(name) !== undefined;
  const stranded = new Groups<StrandedGroup>();
  const amongRun = new Groups<StrandedGroup>();
  const changed = new Groups<ChangedStepsGroup>();
  const versions = new Groups<VersionChangedGroup>();
  const strandedIds = new Set<string>();
  const amongRunIds = new Set<string>();
  let scanned = 0;
  let index = 0;
  for (const execution of executions) {
    assertExecution(execution, index++);
    if (isExecutionState(execution.state) && isTerminalState(execution.state)) continue;
    scanned += 1;
    const { id, workflow, stepNames, currentStep } = execution;
    const ahead = new Set<string>();
    const behind = new Set<string>();
    stepNames.forEach((name, i) => {
      if (!has(name)) (i >= currentStep ? ahead : behind).add(name);
    });
    for (const name of ahead) {
      stranded.add(`${workflow}\u0000${name}`, id, () => ({ workflow, missingStep: name }));
      strandedIds.add(id);
    }
    const onlyBehind = [...behind].filter((name) => !ahead.has(name));
    if (ahead.size === 0) {
      for (const name of onlyBehind) {
        amongRun.add(`${workflow}\u0000${name}`, id, () => ({ workflow, missingStep: name }));
        amongRunIds.add(id);
      }
    }
    if (ahead.size > 0 || behind.size > 0) continue;
    const now = deployed.get(workflow);
    const executionVersion = execution.workflowVersion ?? null;
    const deployedVersion = now?.version ?? null;
    // The key sorts by workflow first, then by the stored version (none first).
    const byVersion = `${workflow}\u0000${executionVersion === null ? '' : `v${executionVersion}`}`;
    if (now !== undefined && sameList(now.stepNames, stepNames)) {
      if (executionVersion !== deployedVersion)
        versions.add(byVersion, id, () => ({ workflow, executionVersion, deployedVersion }));
      continue;
    }
    changed.add(`${byVersion}\u0000${JSON.stringify(stepNames)}`, id, () => ({
      workflow,
      executionSteps: [...stepNames],
      deployedSteps: now === undefined ? null : [...now.stepNames],
      executionVersion,
      deployedVersion,
    }));
  }
  const strict = options.strict === true;
  return {
    scanned,
    stranded: stranded.sorted(),
    strandedExecutions: strandedIds.size,
    missingAmongRun: amongRun.sorted(),
    missingAmongRunExecutions: amongRunIds.size,
    changedSteps: changed.sorted(),
    versionChanged: versions.sorted(),
    ok: strandedIds.size === 0 && (!strict || amongRunIds.size === 0),
  };
}

/** One `list` call: ControlPlane.list, ExecutionStore.list, or the HTTP API's GET /executions. */
export type ListExecutions<T> = (query: { state: string; limit: number; nextToken?: string }) => Promise<Page<T>>;

/**
 * Every execution in the states of {@link DEPLOY_CHECK_STATES}, reading all pages of
 * each (`pageSize` a page, 100 by default), in two passes: an execution that moved
 * from a state not read yet to one already read (waiting to running, say) during
 * the first pass is found by the second. One seen twice is kept once (its first
 * sighting). An execution that moves on every pass can still be missed: the
 * listing is not a snapshot.
 * Throws VALIDATION_ERROR when a page repeats its own token (a list that would never end).
 */
export async function listUnfinishedExecutions<T extends { id: string }>(
  list: ListExecutions<T>,
  options: { pageSize?: number; passes?: number } = {},
): Promise<T[]> {
  if (typeof list !== 'function') throw new ValidationError('listUnfinishedExecutions: list must be a function');
  const pageSize = options.pageSize ?? 100;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100)
    throw new ValidationError(
      `listUnfinishedExecutions: pageSize must be a whole number from 1 to 100, got ${pageSize}`,
    );
  const passes = options.passes ?? 2;
  if (!Number.isInteger(passes) || passes < 1 || passes > 5)
    throw new ValidationError(`listUnfinishedExecutions: passes must be a whole number from 1 to 5, got ${passes}`);
  const seen = new Map<string, T>();
  for (const state of Array.from({ length: passes }, () => DEPLOY_CHECK_STATES).flat()) {
    let nextToken: string | undefined;
    const tokens = new Set<string>();
    do {
      const page = await list({ state, limit: pageSize, ...(nextToken === undefined ? {} : { nextToken }) });
      if (page === null || typeof page !== 'object' || !Array.isArray(page.items))
        throw new ValidationError(`listUnfinishedExecutions: a page of ${state} executions has no items list`);
      for (const item of page.items) if (!seen.has(item.id)) seen.set(item.id, item);
      nextToken = page.nextToken;
      if (nextToken !== undefined) {
        if (tokens.has(nextToken))
          throw new ValidationError(`listUnfinishedExecutions: the ${state} listing repeated a page token`);
        tokens.add(nextToken);
      }
    } while (nextToken !== undefined);
  }
  return [...seen.values()];
}

/**
 * A short hash of the workflows' names and step lists (not of the step code): it
 * changes exactly when a workflow or its step list changes.
 */
export function stepListsHash(workflows: DeployedWorkflows | readonly Workflow[]): string {
  const lists = asDeployed(workflows)
    .list()
    .map((w) => [w.name, [...w.stepNames]] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(lists)).digest('hex').slice(0, 32);
}

/** The report as text: the stranded executions grouped by workflow and missing step, then the lesser categories. */
export function formatDeployCheck(report: DeployCheckReport): string {
  const lines: string[] = [`checked ${report.scanned} unfinished execution(s) (running, waiting, paused)`];
  const table = (groups: StrandedGroup[]): void => {
    const rows = groups.map((g) => [g.workflow, g.missingStep, String(g.count), ids(g.executionIds, g.count)]);
    lines.push(...columns([['WORKFLOW', 'MISSING STEP', 'COUNT', 'EXECUTIONS'], ...rows]).map((l) => `  ${l}`));
  };
  if (report.stranded.length > 0) {
    lines.push(
      '',
      `STRANDED: ${report.strandedExecutions} execution(s) name a step the new workflows do not register, at or after ` +
        'their current step; each will be parked (paused, STEP_NOT_REGISTERED) when it gets there:',
    );
    table(report.stranded);
  }
  if (report.missingAmongRun.length > 0) {
    lines.push(
      '',
      `missing only among steps already run: ${report.missingAmongRunExecutions} execution(s); ` +
        'stranded only if a goto or loop goes back to the step:',
    );
    table(report.missingAmongRun);
  }
  if (report.changedSteps.length > 0) {
    lines.push(
      '',
      'changed step list: every step is still registered, but the list differs from the deployed one in order or ' +
        'length; these executions keep their stored order and run the NEW code from their next step on:',
    );
    for (const g of report.changedSteps) {
      const now = g.deployedSteps === null ? '(workflow no longer deployed)' : g.deployedSteps.join(', ');
      // Versions only where some are known: without any, the line reads as it did before versions were recorded.
      const versioned = (g.executionVersion ?? null) !== null || (g.deployedVersion ?? null) !== null;
      const started = versioned ? ` ${version(g.executionVersion ?? null)}` : '';
      const deployed = versioned && g.deployedSteps !== null ? ` ${version(g.deployedVersion ?? null)}` : '';
      lines.push(
        `  ${g.workflow}: ${g.count} execution(s) started${started} with ` +
          `[${g.executionSteps.join(', ')}], deployed${deployed} [${now}]: ${ids(g.executionIds, g.count)}`,
      );
    }
  }
  // A report from before versions were compared has no versionChanged.
  const versionChanged = report.versionChanged ?? [];
  if (versionChanged.length > 0) {
    lines.push(
      '',
      'changed workflow version: the step list is the deployed one, but these executions were started under ' +
        'another version; they will run the NEW code from their next step on:',
    );
    for (const g of versionChanged) {
      lines.push(
        `  ${g.workflow}: ${g.count} execution(s) started ${version(g.executionVersion)}, deployed ` +
          `${version(g.deployedVersion)}: ${ids(g.executionIds, g.count)}`,
      );
    }
  }
  lines.push(
    '',
    report.ok
      ? 'ok: no execution would be stranded'
      : `FAILED: ${report.strandedExecutions} execution(s) would be stranded` +
          (report.strandedExecutions === 0 ? ' (strict: steps missing among steps already run)' : ''),
  );
  return `${lines.join('\n')}\n`;
}

function version(v: string | null): string {
  return v === null ? '(no version)' : `(version ${JSON.stringify(v)})`;
}

function ids(list: readonly string[], count: number): string {
  return count > list.length ? `${list.join(', ')}, ... (${count - list.length} more)` : list.join(', ');
}

function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd(),
  );
}

function asDeployed(workflows: DeployedWorkflows | readonly Workflow[]): DeployedWorkflows {
  if (Array.isArray(workflows)) {
    const byStep = new Map<string, unknown>();
    for (const [i, w] of (workflows as readonly unknown[]).entries()) {
      if (!isWorkflowLike(w)) throw new ValidationError(`checkDeploy: workflows[${i}] is not a workflow`);
      for (const step of w.steps) if (!byStep.has(step.name)) byStep.set(step.name, step.fn);
    }
    const list = [...(workflows as readonly Workflow[])];
    return { list: () => list, step: (name) => byStep.get(name) };
  }
  const candidate = workflows as Partial<DeployedWorkflows> | null;
  if (candidate === null || typeof candidate !== 'object')
    throw new ValidationError('checkDeploy: workflows must be a WorkflowRegistry or a list of workflows');
  if (typeof candidate.list !== 'function' || typeof candidate.step !== 'function')
    throw new ValidationError('checkDeploy: workflows must have list() and step(name), like a WorkflowRegistry');
  const listed = candidate.list();
  if (!Array.isArray(listed)) throw new ValidationError('checkDeploy: workflows.list() must return a list');
  listed.forEach((w: unknown, i) => {
    if (!isWorkflowLike(w)) throw new ValidationError(`checkDeploy: workflows.list()[${i}] is not a workflow`);
  });
  return candidate as DeployedWorkflows;
}

function isWorkflowLike(value: unknown): value is Workflow {
  if (value === null || typeof value !== 'object') return false;
  const w = value as Partial<Workflow>;
  return (
    typeof w.name === 'string' &&
    Array.isArray(w.stepNames) &&
    Array.isArray(w.steps) &&
    w.stepNames.every((n) => typeof n === 'string')
  );
}

function assertExecution(value: unknown, index: number): asserts value is DeployCheckExecution {
  const where = `checkDeploy: execution ${index}`;
  if (value === null || typeof value !== 'object') throw new ValidationError(`${where} is not an object`);
  const e = value as Partial<DeployCheckExecution>;
  const named = typeof e.id === 'string' ? `${where} (${e.id})` : where;
  if (typeof e.id !== 'string' || e.id === '') throw new ValidationError(`${where} has no id`);
  if (typeof e.workflow !== 'string') throw new ValidationError(`${named} has no workflow name`);
  if (typeof e.state !== 'string') throw new ValidationError(`${named} has no state`);
  if (!Array.isArray(e.stepNames) || !e.stepNames.every((n) => typeof n === 'string'))
    throw new ValidationError(`${named} has no stepNames list`);
  if (!Number.isInteger(e.currentStep) || (e.currentStep as number) < 0)
    throw new ValidationError(`${named} has no whole currentStep >= 0`);
  if (e.workflowVersion !== undefined && e.workflowVersion !== null && typeof e.workflowVersion !== 'string')
    throw new ValidationError(`${named} has a workflowVersion that is not a string`);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

/** Groups by key in first-seen order, then sorted by workflow and step for a stable report. */
class Groups<G extends { count: number; executionIds: string[]; workflow: string }> {
  readonly #groups = new Map<string, G>();

  add(key: string, id: string, make: () => Omit<G, 'count' | 'executionIds'>): void {
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = { ...make(), count: 0, executionIds: [] } as unknown as G;
      this.#groups.set(key, group);
    }
    group.count += 1;
    if (group.executionIds.length < DEPLOY_CHECK_MAX_IDS) group.executionIds.push(id);
  }

  sorted(): G[] {
    return [...this.#groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  }
}
