import { LogFormatter, LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { EventType, type ExecutionEvent, type Logger } from '../../lib/index.js';

/**
 * Powertools' JSON line (level, message, timestamp, service, the Lambda context
 * when one is added, the X-Ray trace id when tracing), with `sampling_rate` only
 * while debug sampling is on. Off, it says 0 on every line: 18 bytes a line that
 * CloudWatch bills and that tell nothing.
 */
export class EngineLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel,
        message: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: context?.coldStart,
        function_arn: context?.invokedFunctionArn,
        function_memory_size: context?.memoryLimitInMB,
        function_name: context?.functionName,
        function_request_id: context?.awsRequestId,
        ...(attributes.sampleRateValue ? { sampling_rate: attributes.sampleRateValue } : {}),
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additionalLogAttributes);
  }
}

/** A Powertools structured JSON logger for one function, its lines as {@link EngineLogFormatter} writes them. */
export function powertoolsLogger(serviceName: string, logLevel: string): PowertoolsLogger {
  return new PowertoolsLogger({ serviceName, logLevel: logLevel as 'INFO', logFormatter: new EngineLogFormatter() });
}

/** Adapts a Powertools logger to the engine's `Logger` port. */
export function asEngineLogger(logger: PowertoolsLogger): Logger {
  return {
    debug: (message, fields) => logger.debug(message, fields ?? {}),
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
  };
}

/**
 * The events of every step run: logged at DEBUG, so that a step costs one INFO line
 * (the worker's "step message processed") and the log bill stays flat per step.
 */
const ROUTINE_EVENTS: ReadonlySet<string> = new Set<EventType>([
  EventType.StepStarted,
  EventType.StepCompleted,
  EventType.Checkpointed,
  EventType.Waiting,
]);

/**
 * One structured line per lifecycle event, with execution id and step: at INFO for
 * failures, pauses, resumes and the end, at DEBUG for the events of every step run.
 * The execution's state is included only when `logState` is true (LOG_STATE=true).
 */
export function eventLogger(logger: Logger, logState: boolean): (event: ExecutionEvent) => void {
  return (event) => {
    const level = ROUTINE_EVENTS.has(event.type) ? 'debug' : 'info';
    logger[level](`execution ${event.type}`, {
      executionId: event.execId,
      step: event.step,
      event: event.type,
      ...(event.error ? { error: event.error.message } : {}),
      ...(logState && event.state !== undefined ? { state: event.state } : {}),
    });
  };
}
