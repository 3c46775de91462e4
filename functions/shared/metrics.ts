import { createHash } from 'node:crypto';

/** Metric names the functions publish and the CDK alarms and dashboard read. */
export const MetricName = {
  StepsCommitted: 'StepsCommitted',
  StepDuration: 'StepDuration',
  StepRetries: 'StepRetries',
  ExecutionsCompleted: 'ExecutionsCompleted',
  ExecutionsFailed: 'ExecutionsFailed',
  StepMessagesRejected: 'StepMessagesRejected',
  SweepExamined: 'SweepExamined',
  StalledReenqueued: 'StalledReenqueued',
  /** A step refused by a limit and sent again later: once in total, and once with the dimension `LimitKey`. */
  StepsThrottled: 'StepsThrottled',
  /** Limit slots held, sampled by the sweeper each run: in total, and per busy key (dimension `LimitKey`). */
  LimitSlotsInUse: 'LimitSlotsInUse',
  /** Executions waiting for a limit key, sampled like {@link MetricName.LimitSlotsInUse}. */
  LimitWaiting: 'LimitWaiting',
} as const;

/** The dimension of the per-key limit metrics. */
export const LIMIT_KEY_DIMENSION = 'LimitKey';

/**
 * A limit key as a CloudWatch dimension value, which must be printable ASCII with
 * something other than spaces (a line with another value is dropped whole). Such a
 * key is itself; any other (a tenant's name in another script) becomes its ASCII
 * characters, `?` for the others, and the first 8 hex digits of its SHA-256, so that
 * two keys never share a series.
 */
export function limitKeyDimension(key: string): { [LIMIT_KEY_DIMENSION]: string } {
  if (/^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$/.test(key)) return { [LIMIT_KEY_DIMENSION]: key };
  const ascii = key.replace(/[^\x20-\x7e]/gu, '?');
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return { [LIMIT_KEY_DIMENSION]: `${ascii}#${hash}` };
}

/** The CloudWatch namespace of those metrics. */
export const METRICS_NAMESPACE = 'LongRunning';

/** Where handlers record metrics; flushed once per invocation. */
export interface MetricsSink {
  /** Counts `value` (default 1); with `dimensions`, in the series of those dimensions, published at once. */
  count(name: string, value?: number, dimensions?: Record<string, string>): void;
  milliseconds(name: string, value: number): void;
  flush(): void;
}

/** A sink that records nothing: for local runs and tests that read no metrics. */
export const noMetrics: MetricsSink = Object.freeze({
  count: () => undefined,
  milliseconds: () => undefined,
  flush: () => undefined,
});

/** CloudWatch's limits on one EMF document: distinct metrics, and values of one metric. */
const MAX_METRICS_A_LINE = 100;
const MAX_VALUES_A_METRIC = 100;

/** How an {@link emfMetrics} sink writes, and when. */
export interface EmfOptions {
  /** Where each line goes (with its newline); default `process.stdout.write`, which Lambda sends to CloudWatch Logs as is. */
  write?: (line: string) => void;
  /** The EMF timestamp, milliseconds since the epoch; default `Date.now`. */
  now?: () => number;
  /**
   * Write nothing. Default: read from the environment as Powertools reads it, so a
   * setting made for the earlier Powertools sink keeps working:
   * `POWERTOOLS_METRICS_DISABLED` when set, else `POWERTOOLS_DEV`.
   */
  disabled?: boolean;
}

type Unit = 'Count' | 'Milliseconds';

/**
 * Metrics as CloudWatch embedded metric format (EMF) lines, in namespace
 * {@link METRICS_NAMESPACE} with the dimension `service`: the invocation's metrics
 * on one line at {@link MetricsSink.flush} (a metric recorded more than once carries
 * its values as a list), a count with its own dimensions on a line of its own at
 * once. A line is also written early when it reaches CloudWatch's limits (100
 * metrics, 100 values of one). Written here rather than through Powertools Metrics,
 * which cost the step worker 10 KB and about a millisecond of module init for
 * these few lines; the lines are the same.
 */
export function emfMetrics(serviceName: string, options: EmfOptions = {}): MetricsSink {
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? Date.now;
  const disabled = options.disabled ?? disabledByEnv(process.env);
  const stored = new Map<string, { unit: Unit; values: number[] }>();

  const line = (dimensions: Record<string, string>, metrics: Iterable<[string, Unit, number | number[]]>) => {
    const defs: { Name: string; Unit: Unit }[] = [];
    const fields: Record<string, unknown> = { service: serviceName, ...dimensions };
    for (const [name, unit, value] of metrics) {
      defs.push({ Name: name, Unit: unit });
      fields[name] = value;
    }
    const directive = {
      Namespace: METRICS_NAMESPACE,
      Dimensions: [['service', ...Object.keys(dimensions)]],
      Metrics: defs,
    };
    if (!disabled)
      write(`${JSON.stringify({ _aws: { Timestamp: now(), CloudWatchMetrics: [directive] }, ...fields })}\n`);
  };
  const flush = () => {
    if (stored.size === 0) return;
    const metrics = [...stored].map(([name, { unit, values }]): [string, Unit, number | number[]] => [
      name,
      unit,
      values.length === 1 ? (values[0] ?? 0) : values,
    ]);
    stored.clear();
    line({}, metrics);
  };
  const add = (name: string, unit: Unit, value: number) => {
    checkMetric(name, value);
    const entry = stored.get(name);
    if (entry && entry.unit !== unit) throw new TypeError(`metric ${name} is recorded in ${entry.unit}, not ${unit}`);
    if (entry) entry.values.push(value);
    else {
      if (stored.size === MAX_METRICS_A_LINE) flush();
      stored.set(name, { unit, values: [value] });
    }
    if ((entry?.values.length ?? 1) === MAX_VALUES_A_METRIC) flush();
  };
  return {
    count: (name, value = 1, dimensions) => {
      if (!dimensions) return add(name, 'Count', value);
      checkMetric(name, value);
      line(dimensions, [[name, 'Count', value]]);
    },
    milliseconds: (name, value) => add(name, 'Milliseconds', value),
    flush,
  };
}

function checkMetric(name: string, value: number): void {
  if (name.length === 0 || name.length > 255)
    throw new TypeError(`metric name must be 1 to 255 characters, got "${name}"`);
  if (!Number.isFinite(value)) throw new TypeError(`metric ${name} needs a finite number, got ${String(value)}`);
}

/** Powertools' reading of its switches: a truthy value is 1, y, yes, t, true, on (any case). */
function disabledByEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  const truthy = (raw: string | undefined) =>
    ['1', 'y', 'yes', 't', 'true', 'on'].includes((raw ?? '').trim().toLowerCase());
  const explicit = env['POWERTOOLS_METRICS_DISABLED'];
  return explicit !== undefined ? truthy(explicit) : truthy(env['POWERTOOLS_DEV']);
}
