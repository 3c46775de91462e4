import {
  checkDeploy,
  formatDeployCheck,
  listUnfinishedExecutions,
  stepListsHash,
  type DeployedWorkflows,
  type ExecutionHead,
  type ListExecutions,
  type Logger,
} from '../../lib/index.js';

/** The CloudFormation custom resource request fields the check reads. */
export interface CustomResourceEvent {
  RequestType: 'Create' | 'Update' | 'Delete';
  ResponseURL: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceProperties?: Record<string, unknown>;
}

/** The response CloudFormation reads from the pre-signed URL. */
export interface CustomResourceResponse {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  Data?: Record<string, string>;
}

/** The resource property the construct sets to the hash of the check function's own bundle. */
export const BUNDLE_HASH_PROPERTY = 'WorkflowsBundleHash';

/** CloudFormation refuses a response body over 4096 bytes; the reason is cut well below. */
export const MAX_REASON_CHARS = 3000;

/** What the deploy check handler is built from. */
export interface DeployCheckDeps {
  /** The workflows about to be deployed (the bundled workflows module). */
  workflows: DeployedWorkflows;
  /** One page of heads: ExecutionStore.list over the table. */
  list: ListExecutions<ExecutionHead>;
  /**
   * The hash of this function's own bundle (DEPLOY_CHECK_BUNDLE_HASH). A request
   * whose {@link BUNDLE_HASH_PROPERTY} differs was not made for this code: it is
   * the rollback of a failed update (CloudFormation sends the old properties while
   * the function still runs the new code), and succeeds without checking.
   */
  bundleHash: string | undefined;
  logger: Logger;
  /** Sends the response (default: an HTTPS PUT with fetch). */
  send?: (url: string, response: CustomResourceResponse) => Promise<void>;
}

/**
 * Builds the handler of the deploy check custom resource: on Create and Update,
 * lists the running, waiting and paused executions and fails (so the stack update
 * rolls back, before the functions get the new code) when any would be stranded
 * by the bundled workflows; Delete always succeeds. An error while checking fails
 * the deploy too: a check that cannot tell passes nothing.
 */
export function makeDeployCheckHandler(
  deps: DeployCheckDeps,
): (event: CustomResourceEvent, context?: { getRemainingTimeInMillis: () => number }) => Promise<void> {
  const send = deps.send ?? putResponse;
  return async (event, context) => {
    const base = {
      PhysicalResourceId: event.PhysicalResourceId ?? `deploy-check-${event.LogicalResourceId}`,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
    };
    let response: CustomResourceResponse;
    // A function that times out sends nothing, and CloudFormation then waits up to an
    // hour: answer FAILED while there is still time to send it.
    const left = context ? context.getRemainingTimeInMillis() - RESPONSE_RESERVE_MS : undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outOfTime = new Promise<never>((_, reject) => {
      if (left !== undefined)
        timer = setTimeout(() => reject(new Error('it ran out of time listing the executions')), Math.max(0, left));
    });
    try {
      response = { ...base, ...(await Promise.race([decide(deps, event), outOfTime])) };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      deps.logger.error('deploy check could not run', { error: message });
      response = { ...base, Status: 'FAILED', Reason: cut(`deploy check could not run: ${message}`) };
    } finally {
      clearTimeout(timer);
    }
    await send(event.ResponseURL, response);
  };
}

async function decide(
  deps: DeployCheckDeps,
  event: CustomResourceEvent,
): Promise<Pick<CustomResourceResponse, 'Status' | 'Reason' | 'Data'>> {
  const stepLists = stepListsHash(deps.workflows);
  if (event.RequestType === 'Delete') return { Status: 'SUCCESS' };
  const asked = event.ResourceProperties?.[BUNDLE_HASH_PROPERTY];
  if (deps.bundleHash !== undefined && asked !== deps.bundleHash) {
    deps.logger.info('deploy check skipped: a rollback to other code', { asked, running: deps.bundleHash });
    return { Status: 'SUCCESS', Data: { StepListsHash: stepLists, Result: 'skipped (rollback)' } };
  }
  const report = checkDeploy(deps.workflows, await listUnfinishedExecutions(deps.list));
  const text = formatDeployCheck(report);
  const summary = {
    scanned: report.scanned,
    strandedExecutions: report.strandedExecutions,
    missingAmongRunExecutions: report.missingAmongRunExecutions,
    changedSteps: report.changedSteps.reduce((n, g) => n + g.count, 0),
    versionChanged: report.versionChanged.reduce((n, g) => n + g.count, 0),
  };
  if (!report.ok) {
    deps.logger.error('deploy check failed: executions would be stranded', { ...summary, report: text });
    return { Status: 'FAILED', Reason: cut(`longrunning deploy check: ${text}`) };
  }
  deps.logger.info('deploy check passed', { ...summary, report: text });
  return { Status: 'SUCCESS', Data: { StepListsHash: stepLists, Result: `ok: ${report.scanned} checked` } };
}

/** Time kept back from the invocation to send the response: 15 s. */
export const RESPONSE_RESERVE_MS = 15_000;

function cut(text: string): string {
  return text.length <= MAX_REASON_CHARS
    ? text
    : `${text.slice(0, MAX_REASON_CHARS)}... (cut; the whole report is in the function's log)`;
}

/** PUTs the response to CloudFormation's pre-signed URL (no content type: the URL was signed without one). */
async function putResponse(url: string, response: CustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  const res = await fetch(url, { method: 'PUT', headers: { 'content-type': '' }, body });
  if (!res.ok) throw new Error(`CloudFormation refused the deploy check response: HTTP ${res.status}`);
}
