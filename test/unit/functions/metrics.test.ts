import { afterEach, describe, expect, it, vi } from 'vitest';
import { emfMetrics, limitKeyDimension } from '../../../functions/shared/metrics.js';

/** A sink that writes into a list, with a fixed clock. */
function recorded(options: { disabled?: boolean } = {}) {
  const lines: string[] = [];
  const metrics = emfMetrics('step-worker', {
    write: (line) => lines.push(line),
    now: () => 1_796_306_755_198,
    ...options,
  });
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { metrics, lines, parsed };
}

describe('emfMetrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('publishes a count with dimensions on its own line, apart from the invocation’s other metrics', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const metrics = emfMetrics('worker');
    metrics.count('StepsCommitted');
    metrics.count('StepsThrottled', 1, { LimitKey: 'openai' });
    metrics.flush();
    const emf = lines
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const keyed = emf.find((e) => 'StepsThrottled' in e);
    const rest = emf.find((e) => 'StepsCommitted' in e);
    expect(keyed).toMatchObject({ LimitKey: 'openai', StepsThrottled: 1 });
    expect(keyed).not.toHaveProperty('StepsCommitted');
    expect(rest).toMatchObject({ StepsCommitted: 1 });
    expect(rest).not.toHaveProperty('LimitKey');
  });
  it('writes the invocation’s metrics as one EMF line, a metric recorded twice as a list of its values', () => {
    const { metrics, lines, parsed } = recorded();
    metrics.count('StepsCommitted');
    metrics.milliseconds('StepDuration', 49);
    metrics.count('StepsCommitted');
    metrics.milliseconds('StepDuration', 51);
    expect(lines).toEqual([]);
    metrics.flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('}\n')).toBe(true);
    expect(parsed()[0]).toEqual({
      _aws: {
        Timestamp: 1_796_306_755_198,
        CloudWatchMetrics: [
          {
            Namespace: 'LongRunning',
            Dimensions: [['service']],
            Metrics: [
              { Name: 'StepsCommitted', Unit: 'Count' },
              { Name: 'StepDuration', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      service: 'step-worker',
      StepsCommitted: [1, 1],
      StepDuration: [49, 51],
    });
    metrics.flush();
    expect(lines).toHaveLength(1);
  });

  it('names the keyed line’s own dimension beside service', () => {
    const { metrics, parsed } = recorded();
    metrics.count('StepsThrottled', 2, { LimitKey: 'openai' });
    const [line] = parsed();
    expect(line).toMatchObject({ service: 'step-worker', LimitKey: 'openai', StepsThrottled: 2 });
    expect(line?.['_aws']).toMatchObject({
      CloudWatchMetrics: [
        { Dimensions: [['service', 'LimitKey']], Metrics: [{ Name: 'StepsThrottled', Unit: 'Count' }] },
      ],
    });
  });

  it('writes a line early when a metric reaches 100 values, so that CloudWatch keeps them all', () => {
    const { metrics, parsed } = recorded();
    for (let i = 0; i < 150; i++) metrics.count('SweepExamined', i);
    metrics.flush();
    const values = parsed().map((l) => l['SweepExamined'] as number[]);
    expect(values.map((v) => v.length)).toEqual([100, 50]);
    expect(values.flat()).toEqual(Array.from({ length: 150 }, (_, i) => i));
  });

  it('refuses a value that is not a finite number and a unit that changes, naming the metric', () => {
    const { metrics } = recorded();
    expect(() => metrics.milliseconds('StepDuration', Number.NaN)).toThrow(/StepDuration needs a finite number/);
    expect(() => metrics.count('', 1)).toThrow(/metric name/);
    metrics.count('StepDuration');
    expect(() => metrics.milliseconds('StepDuration', 3)).toThrow(/StepDuration is recorded in Count/);
  });

  it('writes nothing when disabled, by option or as Powertools read it from the environment', () => {
    const off = recorded({ disabled: true });
    off.metrics.count('StepsCommitted');
    off.metrics.count('StepsThrottled', 1, { LimitKey: 'k' });
    off.metrics.flush();
    expect(off.lines).toEqual([]);

    const env = { ...process.env };
    const written = (vars: Record<string, string>) => {
      const lines: string[] = [];
      process.env = { ...env, ...vars };
      try {
        const metrics = emfMetrics('sweeper', { write: (line) => lines.push(line) });
        metrics.count('SweepExamined');
        metrics.flush();
      } finally {
        process.env = env;
      }
      return lines.length;
    };
    expect(written({ POWERTOOLS_METRICS_DISABLED: 'true' })).toBe(0);
    expect(written({ POWERTOOLS_DEV: 'on' })).toBe(0);
    expect(written({ POWERTOOLS_DEV: 'true', POWERTOOLS_METRICS_DISABLED: 'false' })).toBe(1);
    expect(written({ POWERTOOLS_METRICS_DISABLED: 'no' })).toBe(1);
  });
});

describe('limitKeyDimension', () => {
  it('keeps a printable ASCII key as it is', () => {
    expect(limitKeyDimension('openai:tenant-42')).toEqual({ LimitKey: 'openai:tenant-42' });
  });

  it('turns any other key into its ASCII part and a hash, distinct per key', () => {
    const a = limitKeyDimension('openai:café').LimitKey;
    const b = limitKeyDimension('openai:cafè').LimitKey;
    expect(a).toMatch(/^openai:caf\?#[0-9a-f]{8}$/);
    expect(b).toMatch(/^openai:caf\?#[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(limitKeyDimension('   ').LimitKey).toMatch(/^ {3}#[0-9a-f]{8}$/);
    expect(limitKeyDimension('a\tb').LimitKey).toMatch(/^a\?b#[0-9a-f]{8}$/);
  });
});
