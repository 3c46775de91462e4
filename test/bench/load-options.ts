import { parseArgs } from 'node:util';

/** What `npm run load` runs: how long, how many executions at once, how many worker batches at once. */
export interface LoadOptions {
  /** How long new executions are started, in seconds. */
  durationSeconds: number;
  /** Executions kept in flight: a new one starts as soon as one finishes. */
  inFlight: number;
  /** Batches the poller hands to the step worker at once, like concurrent Lambda invocations. */
  concurrency: number;
}

/** The defaults: one minute, 20 executions in flight, 10 concurrent worker invocations. */
export const LOAD_DEFAULTS: Readonly<LoadOptions> = Object.freeze({
  durationSeconds: 60,
  inFlight: 20,
  concurrency: 10,
});

/** A command-line mistake; the message says which option and what it must be. */
export class LoadUsageError extends Error {
  override readonly name = 'LoadUsageError';
}

export const LOAD_USAGE = `usage: npm run load -- [--duration S] [--in-flight N] [--concurrency C]

Runs the serverless shape on this machine (the emulator, the HTTP API bridge, the
SQS poller feeding the step worker, the sweeper timer), keeps N executions of a
10-step workflow in flight over HTTP for S seconds, then prints throughput, step
latency, errors and CPU time. Uses AWS_ENDPOINT_URL when set, else starts moto_server.

  --duration S      seconds during which new executions are started (1 to 3600, default ${LOAD_DEFAULTS.durationSeconds})
  --in-flight N     executions kept in flight (1 to 1000, default ${LOAD_DEFAULTS.inFlight})
  --concurrency C   worker batches processed at once, like Lambda's concurrency (1 to 64, default ${LOAD_DEFAULTS.concurrency})
  -h, --help        print this and exit`;

/** The parsed command line: the options, or a request for the usage. */
export type LoadArgs = { help: true } | { help: false; options: LoadOptions };

/** Parses `argv` (without node and the script); throws {@link LoadUsageError} on any mistake. */
export function parseLoadArgs(argv: readonly string[]): LoadArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        duration: { type: 'string' },
        'in-flight': { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new LoadUsageError(err instanceof Error ? err.message : String(err));
  }
  if (values['help'] === true) return { help: true };
  return {
    help: false,
    options: {
      durationSeconds: whole(values['duration'], '--duration', LOAD_DEFAULTS.durationSeconds, 1, 3_600),
      inFlight: whole(values['in-flight'], '--in-flight', LOAD_DEFAULTS.inFlight, 1, 1_000),
      concurrency: whole(values['concurrency'], '--concurrency', LOAD_DEFAULTS.concurrency, 1, 64),
    },
  };
}

function whole(raw: string | boolean | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const text = String(raw).trim();
  const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new LoadUsageError(`${flag} must be a whole number from ${min} to ${max}, got "${String(raw)}"`);
  return value;
}
