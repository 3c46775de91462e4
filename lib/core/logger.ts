/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/**
 * The logging port the engine writes to. Powertools' Logger, pino and console
 * wrappers all fit it. Execution state is never passed here unless asked for.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything: the default, so a library stays quiet. */
export const noopLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
