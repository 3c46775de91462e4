import { createHash } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { type Logger, processStepMessage, type RuntimeDeps, type StepOutcome, systemClock } from '../../lib/index.js';
import { limitKeyDimension, MetricName, type MetricsSink } from '../shared/metrics.js';

/** Time kept back from the invocation's remaining time so the handler can still return its batch response. */
export const WORKER_DEADLINE_BUFFER_MS = 2_000;

/** What the step worker is built from. */
export interface StepWorkerDeps {
  runtime: RuntimeDeps;
  logger: Logger;
  metrics: MetricsSink;
}

/** The Lambda context fields the worker uses. */
export type WorkerContext = Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>;

/**
 * Builds the SQS step worker: runs `processStepMessage` for every record of the
 * batch at once, and reports in `batchItemFailures` only the records whose
 * processing threw (a transient AWS error): they come back after the visibility
 * timeout. A malformed body is logged with its message id and acknowledged, never
 * retried forever.
 *
 * @example
 * export const handler = makeStepWorker({ runtime, logger, metrics });
 */
export function makeStepWorker(
  deps: StepWorkerDeps,
): (event: SQSEvent, context: WorkerContext) => Promise<SQSBatchResponse> {
  // The deadline is measured on the runtime's clock, the one the step's budget is taken from.
  const clock = deps.runtime.clock ?? systemClock;
  return async (event, context) => {
    const deadline = clock.now() + context.getRemainingTimeInMillis() - WORKER_DEADLINE_BUFFER_MS;
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    await Promise.all(
      (event.Records ?? []).map(async (record) => {
        const messageId = record.messageId;
        let body: unknown;
        try {
          body = JSON.parse(record.body) as unknown;
        } catch {
          deps.logger.warn('malformed step message acknowledged', { messageId, reason: 'body is not JSON' });
          deps.metrics.count(MetricName.StepMessagesRejected);
          return;
        }
        const started = clock.now();
        try {
          const outcome = await processStepMessage(
            body,
            { deadline },
            { ...deps.runtime, owner: leaseOwnerOf(context.awsRequestId, messageId) },
          );
          recordOutcome(deps, messageId, outcome, clock.now() - started);
        } catch (err) {
          failures.push({ itemIdentifier: messageId });
          deps.logger.error('step message failed; it will be redelivered', {
            messageId,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }),
    );
    deps.metrics.flush();
    return { batchItemFailures: failures };
  };
}

function recordOutcome(deps: StepWorkerDeps, messageId: string, outcome: StepOutcome, ms: number): void {
  if (outcome.status === 'invalid') {
    deps.logger.warn('malformed step message acknowledged', { messageId, reason: outcome.reason });
    deps.metrics.count(MetricName.StepMessagesRejected);
    return;
  }
  if (outcome.status === 'job') {
    deps.logger.info('bulk job message processed', {
      messageId,
      jobId: outcome.jobId,
      page: outcome.page,
      result: outcome.result,
      durationMs: ms,
    });
    return;
  }
  deps.logger.info('step message processed', {
    messageId,
    executionId: outcome.executionId,
    step: outcome.step,
    status: outcome.status,
    durationMs: ms,
    ...(outcome.chained === undefined ? {} : { chained: outcome.chained }),
  });
  // Steps a chain ran before its last were each committed (chainSteps).
  if (outcome.chained) deps.metrics.count(MetricName.StepsCommitted, outcome.chained);
  if (outcome.status === 'committed' || outcome.status === 'completed' || outcome.status === 'waiting') {
    deps.metrics.count(MetricName.StepsCommitted);
    // A chain's time is several steps': the duration of one step is only known unchained.
    if (!outcome.chained) deps.metrics.milliseconds(MetricName.StepDuration, ms);
  }
  if (outcome.status === 'completed') deps.metrics.count(MetricName.ExecutionsCompleted);
  if (outcome.status === 'retrying') deps.metrics.count(MetricName.StepRetries);
  if (outcome.status === 'failed') deps.metrics.count(MetricName.ExecutionsFailed);
  if (outcome.status === 'throttled') {
    deps.metrics.count(MetricName.StepsThrottled);
    deps.metrics.count(MetricName.StepsThrottled, 1, limitKeyDimension(outcome.key));
  }
}

/**
 * The lease owner of one attempt: 16 characters (96 bits) of the SHA-256 of the
 * invocation's request id and the message id, unique per attempt like the pair
 * itself. The head carries it twice (`leaseOwner` while the step runs, `lastWriter`
 * after), so its length is paid on every write: the pair is 73 characters and would
 * keep a small head over the 1 KB of one write unit.
 */
export function leaseOwnerOf(requestId: string, messageId: string): string {
  return createHash('sha256').update(`${requestId}/${messageId}`).digest('base64url').slice(0, 16);
}
