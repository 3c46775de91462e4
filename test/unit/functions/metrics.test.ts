import { afterEach, describe, expect, it, vi } from 'vitest';
import { limitKeyDimension, powertoolsMetrics } from '../../../functions/shared/metrics.js';

describe('powertoolsMetrics', () => {
  afterEach(() => vi.restoreAllMocks());

  it('publishes a count with dimensions on its own line, apart from the invocation’s other metrics', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const metrics = powertoolsMetrics('worker');
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
