import { describe, expect, it } from 'vitest';
import {
  callbackEventId,
  issueCallbackToken,
  MAX_OPEN_CALLBACKS,
  openCallbacks,
  readCallbackToken,
} from '../../../lib/core/callback-tokens.js';
import { isSafeId } from '../../../lib/index.js';

const secret = 'a-secret-of-enough-bytes';

describe('callback tokens', () => {
  it('say which execution, type and nonce they were made for', () => {
    const { token, callback } = issueCallbackToken('exec_1', 'approval', secret);
    expect(readCallbackToken(token, [secret])).toEqual({ executionId: 'exec_1', ...callback });
    expect(callback.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(isSafeId(callbackEventId(callback.nonce))).toBe(true);
  });

  it('are unguessable: two tokens for the same wait differ', () => {
    const a = issueCallbackToken('exec_1', 'approval', secret);
    const b = issueCallbackToken('exec_1', 'approval', secret);
    expect(a.token).not.toBe(b.token);
  });

  it('are refused when tampered with, signed with another secret, or malformed', () => {
    const { token } = issueCallbackToken('exec_1', 'approval', secret);
    const [prefix, payload, mac] = token.split('.') as [string, string, string];
    const forged = Buffer.from(JSON.stringify(['exec_2', 'approval', 'x'])).toString('base64url');
    const refused = [
      `${prefix}.${forged}.${mac}`,
      `${prefix}.${payload}.${mac.slice(0, -2)}AA`,
      `${prefix}.${payload}`,
      `${token}.extra`,
      `cb2.${payload}.${mac}`,
      '',
      'x'.repeat(600),
      42,
    ];
    for (const t of refused) expect(readCallbackToken(t, [secret])).toBeUndefined();
    expect(readCallbackToken(token, ['another-secret-of-enough'])).toBeUndefined();
  });

  it('stay valid while the secret rotates: any listed secret verifies', () => {
    const { token } = issueCallbackToken('exec_1', 'approval', 'old-secret-of-enough-bytes');
    expect(readCallbackToken(token, ['new-secret-of-enough-bytes', 'old-secret-of-enough-bytes'])).toBeDefined();
  });

  it('keeps the newest open callbacks only', () => {
    const many = Array.from({ length: MAX_OPEN_CALLBACKS + 3 }, (_, i) => ({ nonce: `n${i}`, type: 't' }));
    const kept = openCallbacks([], many);
    expect(kept).toHaveLength(MAX_OPEN_CALLBACKS);
    expect(kept[0]?.nonce).toBe('n3');
  });
});
