import { describe, expect, it } from 'vitest';
import { formatLimits } from '../../../apps/cli/limits.js';

describe('longrunning limits', () => {
  it('prints one line per key with its use, waiters and tokens', () => {
    expect(
      formatLimits([
        { key: 'openai', inUse: 5, limit: 5, waiting: 12 },
        { key: 'search', inUse: 0, waiting: 0, perSecond: 2, tokens: { perSecond: 1 } },
      ]),
    ).toBe('openai  5/5 in use  12 waiting\nsearch  0 in use  0 waiting  perSecond 1 tokens\n');
    expect(formatLimits([])).toBe('no limit keys yet\n');
  });
});
