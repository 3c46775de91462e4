import { describe, expect, it } from 'vitest';
import { formatLimits } from '../../../apps/cli/limits.js';
import { runAgainstFakeApi } from './fake-api.js';

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

  it('asks the API for GET /limits and prints the keys, or the JSON with --json', async () => {
    const items = [{ key: 'openai', inUse: 2, limit: 5, waiting: 0 }];
    const r = await runAgainstFakeApi(['limits'], () => ({ status: 200, body: { items } }));
    expect(r.code).toBe(0);
    expect(r.sent.map((s) => `${s.method} ${s.url}`)).toEqual(['GET http://127.0.0.1:3000/limits']);
    expect(r.out).toBe('openai  2/5 in use  0 waiting\n');
    const json = await runAgainstFakeApi(['limits', '--json'], () => ({ status: 200, body: { items } }));
    expect(JSON.parse(json.out)).toEqual({ items });
  });

  it('takes no arguments', async () => {
    const r = await runAgainstFakeApi(['limits', 'openai'], () => ({ status: 200, body: { items: [] } }));
    expect(r.code).toBe(2);
    expect(r.sent).toHaveLength(0);
    expect(r.err).toContain('limits takes no arguments');
  });
});
