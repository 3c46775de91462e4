import { describe, expect, it } from 'vitest';
import { readHandlerEnv } from '../../../functions/shared/env.js';

const base = { TABLE_NAME: 't', QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/1/q' };

describe('readHandlerEnv', () => {
  it('reads the defaults, converting seconds to milliseconds', () => {
    expect(readHandlerEnv(base)).toMatchObject({
      tableName: 't',
      stallAfterMs: 300_000,
      maxRetries: 3,
      retryBaseDelayMs: 1_000,
      throttleMaxDelaySeconds: 30,
      leaseMs: 60_000,
      logLevel: 'INFO',
      logState: false,
      endpoint: undefined,
    });
  });

  it.each([
    [{ QUEUE_URL: 'q' }, /TABLE_NAME is not set: deploy with the LongRunningWorkflows construct or export it/],
    [{ TABLE_NAME: 't' }, /QUEUE_URL is not set/],
    [{ ...base, STALL_AFTER_SECONDS: 'soon' }, /STALL_AFTER_SECONDS must be a number of seconds/],
    [{ ...base, MAX_RETRIES: '2.5' }, /MAX_RETRIES must be a whole number/],
    [{ ...base, RETRY_BASE_DELAY_SECONDS: '-1' }, /RETRY_BASE_DELAY_SECONDS/],
    [{ ...base, THROTTLE_MAX_DELAY_SECONDS: '0' }, /THROTTLE_MAX_DELAY_SECONDS must be a whole number from 1 to 90/],
    [
      { ...base, THROTTLE_MAX_DELAY_SECONDS: '91' },
      /THROTTLE_MAX_DELAY_SECONDS must be a whole number from 1 to 90, got "91"/,
    ],
    [{ ...base, LOG_LEVEL: 'LOUD' }, /LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR/],
    [{ ...base, LOG_STATE: 'yes' }, /LOG_STATE must be true or false/],
  ])('fails naming the variable for %j', (env, message) => {
    expect(() => readHandlerEnv(env)).toThrow(message);
  });

  it('passes the throttle delay cap on to the runtime', () => {
    expect(readHandlerEnv({ ...base, THROTTLE_MAX_DELAY_SECONDS: '5' }).throttleMaxDelaySeconds).toBe(5);
  });

  it('turns LOG_STATE on only when asked', () => {
    expect(readHandlerEnv({ ...base, LOG_STATE: 'true' }).logState).toBe(true);
    expect(readHandlerEnv({ ...base, LOG_LEVEL: 'debug' }).logLevel).toBe('DEBUG');
  });
});
