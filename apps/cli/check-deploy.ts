import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  checkDeploy,
  formatDeployCheck,
  listUnfinishedExecutions,
  type DeployCheckExecution,
  type DeployedWorkflows,
  type Page,
} from '../../lib/index.js';
import type { ApiClient } from './api-client.js';
import type { CliIo } from './cli-io.js';

/** Options of {@link runCheckDeploy}, from the command line. */
export interface CheckDeployOptions {
  /** Path of the workflows module about to be deployed. */
  workflows: string;
  json: boolean;
  /** Also fail on steps missing only among the steps already run. */
  strict: boolean;
}

/** A workflows module that cannot be used: a usage error (exit code 2), not a failed check. */
class WorkflowsModuleError extends Error {}

/**
 * Loads a workflows module the way the construct bundles one: it must export
 * `deployedWorkflows(): WorkflowRegistry` (the contract of `workflowsModule`, see
 * functions/workflows-module.d.ts). A `.ts` module needs a runtime that loads
 * TypeScript (tsx, or Node with type stripping).
 */
export async function loadWorkflowsModule(path: string): Promise<DeployedWorkflows> {
  const absolute = resolve(path);
  let loaded: { deployedWorkflows?: unknown };
  try {
    loaded = (await import(pathToFileURL(absolute).href)) as { deployedWorkflows?: unknown };
  } catch (err) {
    throw new WorkflowsModuleError(`cannot load workflows module ${absolute}: ${(err as Error).message}`);
  }
  if (typeof loaded.deployedWorkflows !== 'function')
    throw new WorkflowsModuleError(`workflows module ${absolute} does not export a deployedWorkflows() function`);
  const registry = (loaded.deployedWorkflows as () => unknown)() as Partial<DeployedWorkflows> | null;
  if (registry === null || typeof registry !== 'object' || typeof registry.list !== 'function')
    throw new WorkflowsModuleError(`deployedWorkflows() of ${absolute} did not return a WorkflowRegistry`);
  return registry as DeployedWorkflows;
}

/**
 * `longrunning check-deploy --workflows <module> [--json] [--strict]`: lists every
 * running, waiting and paused execution through the API (all pages) and checks it
 * against the module's workflows. Exit code 1 when any execution would be
 * stranded, 0 otherwise, 2 when the module cannot be used.
 */
export async function runCheckDeploy(client: ApiClient, options: CheckDeployOptions, io: CliIo): Promise<number> {
  let workflows: DeployedWorkflows;
  try {
    workflows = await loadWorkflowsModule(options.workflows);
  } catch (err) {
    if (!(err instanceof WorkflowsModuleError)) throw err;
    io.stderr.write(`usage error: ${err.message}\n`);
    return 2;
  }
  const executions = await listUnfinishedExecutions(
    async (q) =>
      (await client.request('GET', '/executions', undefined, {
        state: q.state,
        limit: String(q.limit),
        nextToken: q.nextToken,
      })) as Page<DeployCheckExecution>,
  );
  const report = checkDeploy(workflows, executions, { strict: options.strict });
  io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatDeployCheck(report));
  return report.ok ? 0 : 1;
}
