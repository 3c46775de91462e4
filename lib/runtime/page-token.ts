import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../core/errors.js';

const MAX_TOKEN_LENGTH = 2048;

/**
 * Opaque pagination cursors, signed so that a garbled or forged token is refused
 * with VALIDATION_ERROR instead of silently paging from the wrong place. A token is
 * bound to its `scope` (the query it continues) and to the codec that made it.
 */
export class PageTokenCodec {
  readonly #key: Buffer;

  /** `key` signs the tokens; a random one (tokens valid for this instance only) by default. */
  constructor(key: Buffer = randomBytes(32)) {
    this.#key = key;
  }

  /** A token that continues query `scope` after `position`. */
  encode(scope: string, position: unknown): string {
    const payload = Buffer.from(JSON.stringify({ s: scope, p: position }), 'utf8').toString('base64url');
    return `${payload}.${this.#sign(payload).toString('base64url')}`;
  }

  /** The position of a token made by {@link encode} for the same `scope`; VALIDATION_ERROR otherwise. */
  decode(token: unknown, scope: string): unknown {
    const invalid = (why: string): ValidationError => new ValidationError(`invalid nextToken: ${why}`);
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) {
      throw invalid('expected a token returned by an earlier page');
    }
    const [payload, signature, extra] = token.split('.');
    if (payload === undefined || signature === undefined || extra !== undefined) throw invalid('malformed');
    const expected = this.#sign(payload);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('signature mismatch');
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalid('malformed');
    }
    const { s, p } = (body ?? {}) as { s?: unknown; p?: unknown };
    if (s !== scope) throw invalid('it belongs to a different query');
    return p;
  }

  #sign(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(payload).digest().subarray(0, 16);
  }
}
