import { describe, expect, it } from 'vitest';
import { MAX_KEYS_PER_SWEEP, publishLimitUse } from '../../../functions/sweeper/limit-metrics.js';
import type { MetricsSink } from '../../../functions/shared/metrics.js';
import { InMemoryLimiter } from '../../../lib/testing/in-memory-limiter.js';
import type { Limiter, LogFields } from '../../../lib/index.js';

const NOW = 1_700_000_000_000;

type Counted = { name: string; value: number | undefined; key: string | undefined };

function recording(): { metrics: MetricsSink; counted: Counted[] } {
  const counted: Counted[] = [];
  return {
    counted,
    metrics: {
      count: (name, value, dimensions) => void counted.push({ name, value, key: dimensions?.['LimitKey'] }),
      milliseconds: () => undefined,
      flush: () => undefined,
    },
  };
}

const warnings: { message: string; fields?: LogFields }[] = [];
const logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string, fields?: LogFields) => void warnings.push({ message, ...(fields ? { fields } : {}) }),
  error: () => undefined,
};

/** Holds `held` slots of `key` (limit `concurrency`) and refuses `waiting` more executions. */
async function load(limiter: Limiter, key: string, concurrency: number, held: number, waiting: number): Promise<void> {
  for (let i = 0; i < held + waiting; i++) {
    await limiter.acquire({
      key,
      executionId: `${key}-${i}`,
      holderId: `${key}-${i}#w`,
      leaseUntil: NOW + 60_000,
      now: NOW,
      concurrency,
    });
  }
}

describe('publishLimitUse', () => {
  it('publishes slots in use and executions waiting in total and for each key', async () => {
    const limiter = new InMemoryLimiter();
    await load(limiter, 'openai', 3, 3, 2);
    await load(limiter, 'anthropic', 5, 1, 0);
    const { metrics, counted } = recording();
    const report = await publishLimitUse({ limiter }, NOW, metrics, logger);
    expect(report).toEqual({ keys: 2, published: 2 });
    expect(counted).toEqual([
      { name: 'LimitSlotsInUse', value: 4, key: undefined },
      { name: 'LimitWaiting', value: 2, key: undefined },
      { name: 'LimitSlotsInUse', value: 3, key: 'openai' },
      { name: 'LimitWaiting', value: 2, key: 'openai' },
      { name: 'LimitSlotsInUse', value: 1, key: 'anthropic' },
      { name: 'LimitWaiting', value: 0, key: 'anthropic' },
    ]);
  });

  it('counts a slot whose lease has passed as free', async () => {
    const limiter = new InMemoryLimiter();
    await load(limiter, 'openai', 3, 2, 0);
    const { metrics, counted } = recording();
    await publishLimitUse({ limiter }, NOW + 60_001, metrics, logger);
    expect(counted).toContainEqual({ name: 'LimitSlotsInUse', value: 0, key: 'openai' });
  });

  it(`gives only the ${MAX_KEYS_PER_SWEEP} busiest keys a series of their own, and counts every key in the totals`, async () => {
    const limiter = new InMemoryLimiter();
    for (let i = 0; i < MAX_KEYS_PER_SWEEP + 5; i++)
      await load(limiter, `tenant-${String(i).padStart(2, '0')}`, 100, i + 1, 0);
    const { metrics, counted } = recording();
    const report = await publishLimitUse({ limiter }, NOW, metrics, logger);
    expect(report).toEqual({ keys: MAX_KEYS_PER_SWEEP + 5, published: MAX_KEYS_PER_SWEEP });
    const keyed = counted.filter((c) => c.name === 'LimitSlotsInUse' && c.key !== undefined).map((c) => c.key);
    expect(keyed).toHaveLength(MAX_KEYS_PER_SWEEP);
    // The five idlest (1 to 5 slots held) are left out.
    expect(keyed).not.toContain('tenant-04');
    expect(keyed[0]).toBe(`tenant-${MAX_KEYS_PER_SWEEP + 4}`);
    const total = ((MAX_KEYS_PER_SWEEP + 5) * (MAX_KEYS_PER_SWEEP + 6)) / 2;
    expect(counted).toContainEqual({ name: 'LimitSlotsInUse', value: total, key: undefined });
  });

  it('reads and publishes nothing without a limiter', async () => {
    const { metrics, counted } = recording();
    expect(await publishLimitUse({}, NOW, metrics, logger)).toEqual({ keys: 0, published: 0 });
    expect(counted).toEqual([]);
  });

  it('logs a failed read and lets the sweep finish', async () => {
    const limiter: Limiter = {
      acquire: () => Promise.reject(new Error('unused')),
      release: () => Promise.resolve(),
      list: () => Promise.reject(new Error('ProvisionedThroughputExceededException')),
    };
    const { metrics, counted } = recording();
    warnings.length = 0;
    expect(await publishLimitUse({ limiter }, NOW, metrics, logger)).toEqual({ keys: 0, published: 0 });
    expect(counted).toEqual([]);
    expect(warnings).toEqual([
      {
        message: 'could not read the limit keys; their use is not published this sweep',
        fields: { error: 'ProvisionedThroughputExceededException' },
      },
    ]);
  });
});
