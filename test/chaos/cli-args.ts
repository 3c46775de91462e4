import { parseArgs } from 'node:util';
import { defaultChaosOptions, type ChaosOptions, type FaultRates } from './options.js';

/** A bad command line; the message says which option and why. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const RATE_FLAGS: Record<string, keyof FaultRates> = {
  lost: 'lost',
  throttle: 'throttle',
  slow: 'slow',
  duplicate: 'duplicate',
  'step-throw': 'stepThrow',
  'step-hang': 'stepHang',
  'step-oversize': 'stepOversize',
  crash: 'crash',
};

const str = { type: 'string' } as const;
const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  executions: str,
  steps: str,
  workers: str,
  live: str,
  seed: str,
  duration: str,
  drain: str,
  'slow-ms': str,
  'fault-layer': str,
  'sdk-max-attempts': str,
  'kill-every': str,
  pause: str,
  poison: str,
  sleep: str,
  wait: str,
  large: str,
  chain: str,
  cancel: str,
  retry: str,
  tables: str,
  trace: str,
  report: str,
  ...Object.fromEntries(Object.keys(RATE_FLAGS).map((k) => [k, str])),
} as const;

export const USAGE = `npm run chaos -- [options]

Runs executions of a deterministic workflow on worker processes against the emulator
(AWS_ENDPOINT_URL if set, else moto_server), kills workers and injects faults, then
checks every execution from the table. Exits 1 if any execution was lost, double
committed or corrupt.

  --executions N        executions to start (default 100)
  --steps N             steps per execution (default 10)
  --workers K           worker processes (default 4)
  --live N              most executions unfinished at once (default 16)
  --seed N              random seed (default: random, printed)
  --duration S          longest chaos phase in seconds; it ends sooner once
                        every execution has finished (default 3600)
  --drain S             longest drain phase in seconds (default 300)
  --kill-every S        mean seconds between SIGKILLs of a worker, 0 for none (default 15)
  --pause F             share of executions paused then resumed (default 0.1)
  --cancel F            share of executions cancelled (default 0.05)
  --retry F             share of failed executions retried (default 0.5)
  --poison F            share of executions whose step 0 or 1 fails every attempt
                        for 20 s, so that they fail and can be retried (default 0.03)
  --sleep F             share of executions with a step that commits with a 0.2-3 s sleep (default 0.1)
  --wait F              share of executions with a step that waits for an event the driver
                        sends at a random moment, sometimes twice (default 0.1)
  --large F             share of executions whose state carries about 40 KB of ballast,
                        so that every state of theirs is kept in S3 (default 0.1)
  --chain F             share of executions of the chainSteps workflow, whose commits
                        claim the next step for the same worker (default 0.1)
  --lost R              lost responses: sent, then a network error (default 0.02)
  --throttle R          throttling errors before sending (default 0.02)
  --slow R              slow responses (default 0.02), delayed up to --slow-ms (default 1000)
  --duplicate R         SQS sends delivered twice (default 0.05)
  --step-throw R        step attempts that throw (default 0.03)
  --step-hang R         step attempts that hang past the deadline (default 0.005)
  --step-oversize R     step attempts returning a state over 400 KB (default 0.005)
  --crash R             worker self-SIGKILL at a commit or send (default 0.002)
  --fault-layer L       outer (caller sees the fault), inner (inside SDK retries) or both (default)
  --sdk-max-attempts N  SDK maxAttempts, 1 = no SDK retries (default 3)
  --tables N            tables (each with its own queue) to spread executions over
                        (default: about 200 items a table, at most 32; moto copies a
                        whole table on every transaction)
  --trace FILE          write every worker line to FILE (JSON lines)
  --report FILE         write the full report to FILE (JSON)
  -h, --help            this text
`;

/** Parses the command line: the options, or `help`. Throws {@link UsageError} naming the bad option. */
export function parseChaosArgs(argv: string[], randomSeed: () => number): { help: true } | ChaosOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values['help']) return { help: true };
  const text = (key: string): string | undefined => values[key] as string | undefined;
  const seedText = text('seed');
  const o = defaultChaosOptions(seedText === undefined ? randomSeed() >>> 0 : whole('seed', seedText, 0, 2 ** 32 - 1));
  const int = (key: string, min: number, max: number, fallback: number): number => {
    const v = text(key);
    return v === undefined ? fallback : whole(key, v, min, max);
  };
  const frac = (key: string, fallback: number): number => {
    const v = text(key);
    return v === undefined ? fallback : fraction(key, v);
  };
  o.executions = int('executions', 1, 100_000, o.executions);
  o.steps = int('steps', 1, 1000, o.steps);
  o.workers = int('workers', 1, 64, o.workers);
  o.live = int('live', 1, 100_000, o.live);
  o.durationSeconds = int('duration', 1, 86_400, o.durationSeconds);
  o.drainSeconds = int('drain', 1, 86_400, o.drainSeconds);
  o.slowMs = int('slow-ms', 1, 60_000, o.slowMs);
  o.sdkMaxAttempts = int('sdk-max-attempts', 1, 10, o.sdkMaxAttempts);
  o.killEverySeconds = int('kill-every', 0, 3600, o.killEverySeconds);
  o.pauseFraction = frac('pause', o.pauseFraction);
  o.poisonFraction = frac('poison', o.poisonFraction);
  o.sleepFraction = frac('sleep', o.sleepFraction);
  o.waitFraction = frac('wait', o.waitFraction);
  o.largeFraction = frac('large', o.largeFraction);
  o.chainFraction = frac('chain', o.chainFraction);
  o.cancelFraction = frac('cancel', o.cancelFraction);
  o.retryFraction = frac('retry', o.retryFraction);
  for (const [flag, key] of Object.entries(RATE_FLAGS)) o.rates[key] = frac(flag, o.rates[key]);
  const layer = text('fault-layer');
  if (layer !== undefined) {
    if (layer !== 'outer' && layer !== 'inner' && layer !== 'both')
      throw new UsageError(`--fault-layer must be outer, inner or both, got "${layer}"`);
    o.faultLayer = layer;
  }
  const tables = text('tables');
  if (tables !== undefined) o.tables = whole('tables', tables, 1, 64);
  const trace = text('trace');
  if (trace !== undefined) o.tracePath = trace;
  const report = text('report');
  if (report !== undefined) o.reportPath = report;
  return o;
}

function whole(key: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`--${key} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

function fraction(key: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new UsageError(`--${key} must be a number from 0 to 1, got "${value}"`);
  return n;
}
