import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { assertEventType } from './directives.js';
import { ValidationError } from './errors.js';
import { isSafeId } from './ids.js';

// Callback tokens are capabilities: `cb1.<payload>.<mac>`, where the payload names
// the execution, the event type and a 128-bit nonce, and the MAC (HMAC-SHA256 with a
// secret) lets a forged token be refused without reading the store. The nonce is
// also recorded on the execution when the step that made it commits, and removed
// when the token is used: that makes the token single use and dead once the
// execution finishes, whatever the secret.

const PREFIX = 'cb1';
/** Callback tokens an execution keeps open at most; the oldest is dropped beyond this. */
export const MAX_OPEN_CALLBACKS = 20;
/** Longest token accepted, in characters. */
export const MAX_CALLBACK_TOKEN_LENGTH = 512;

/** A callback a committed step opened: its nonce and the event type it delivers. */
export interface OpenCallback {
  nonce: string;
  type: string;
}

/** What a valid token says. */
export interface CallbackClaim extends OpenCallback {
  executionId: string;
}

/** Makes a token for `type` on `executionId`, signed with `secret`. */
export function issueCallbackToken(
  executionId: string,
  type: string,
  secret: string | Buffer,
): { token: string; callback: OpenCallback } {
  assertEventType(type);
  const nonce = randomBytes(16).toString('base64url');
  const payload = Buffer.from(JSON.stringify([executionId, type, nonce]), 'utf8').toString('base64url');
  return { token: `${PREFIX}.${payload}.${mac(payload, secret)}`, callback: { nonce, type } };
}

/**
 * What `token` says when its MAC matches one of `secrets` (the current one first,
 * then any older one still accepted while rotating); undefined for anything else,
 * without saying why.
 */
export function readCallbackToken(token: unknown, secrets: readonly (string | Buffer)[]): CallbackClaim | undefined {
  if (typeof token !== 'string' || token.length > MAX_CALLBACK_TOKEN_LENGTH) return undefined;
  const [prefix, payload, given, ...rest] = token.split('.');
  if (prefix !== PREFIX || !payload || !given || rest.length > 0) return undefined;
  const givenBytes = Buffer.from(given, 'base64url');
  const signed = secrets.some((secret) => {
    const expected = Buffer.from(mac(payload, secret), 'base64url');
    return expected.length === givenBytes.length && timingSafeEqual(expected, givenBytes);
  });
  if (!signed) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== 3) return undefined;
    const [executionId, type, nonce] = parsed as unknown[];
    if (!isSafeId(executionId) || typeof type !== 'string' || typeof nonce !== 'string') return undefined;
    return { executionId, type, nonce };
  } catch {
    return undefined;
  }
}

/** `open` with `added` appended, keeping the newest {@link MAX_OPEN_CALLBACKS}. */
export function openCallbacks(open: readonly OpenCallback[], added: readonly OpenCallback[]): OpenCallback[] {
  return [...open, ...added].slice(-MAX_OPEN_CALLBACKS);
}

/** The event id a callback's event carries: a token used twice is one event. */
export function callbackEventId(nonce: string): string {
  return `cb_${nonce}`;
}

/** Throws VALIDATION_ERROR unless `secret` is usable for signing (at least 16 bytes). */
export function assertCallbackSecret(secret: unknown): asserts secret is string | Buffer {
  const length = typeof secret === 'string' ? Buffer.byteLength(secret) : Buffer.isBuffer(secret) ? secret.length : 0;
  if (length < 16) throw new ValidationError('callback secret must be a string or Buffer of at least 16 bytes');
}

function mac(payload: string, secret: string | Buffer): string {
  return createHmac('sha256', secret).update(`${PREFIX}.${payload}`).digest('base64url');
}
