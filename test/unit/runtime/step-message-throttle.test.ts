import { describe, expect, it } from 'vitest';
import { parseStepMessage } from '../../../lib/runtime/step-message.js';

const base = { v: 1, executionId: 'exec_1', step: 0, token: 2 };

describe('the throttle field of a step message', () => {
  it('is read back as sent', () => {
    expect(parseStepMessage({ ...base, throttle: { count: 3, since: 1000 } })).toEqual({
      ok: true,
      message: { ...base, throttle: { count: 3, since: 1000 } },
    });
  });

  it('is refused when malformed, or on a wake message', () => {
    for (const throttle of [{ count: -1, since: 0 }, { count: 1 }, { count: 1, since: 0, x: 1 }, 3])
      expect(parseStepMessage({ ...base, throttle }).ok).toBe(false);
    expect(parseStepMessage({ ...base, wake: true, throttle: { count: 1, since: 0 } }).ok).toBe(false);
  });
});
