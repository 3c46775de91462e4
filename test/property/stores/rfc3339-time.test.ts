import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRfc3339, parseRfc3339 } from '../../../lib/stores/rfc3339-time.js';
import { checkProperty } from '../replay.js';
import { instantArb } from './execution-arbitrary.js';
import { goTimestampArb, instantOf, writeAsGo } from './go-timestamp.js';

/** The first and last instants RFC 3339 can write in UTC. */
const FIRST_INSTANT = new Date(0).setUTCFullYear(0, 0, 1);
const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

describe('RFC 3339 timestamps of the Go-format codec', () => {
  it('reads back every instant it writes, to the millisecond', async () => {
    await checkProperty(
      fc.property(instantArb, (instant) => {
        const text = formatRfc3339(instant);
        expect(text).toBeDefined();
        expect(parseRfc3339(text ?? '')?.getTime()).toBe(instant.getTime());
      }),
      { numRuns: 300 },
    );
  });

  it('reads a timestamp Go writes, in any offset and with extra digits, as its instant truncated to milliseconds', async () => {
    await checkProperty(
      fc.property(goTimestampArb, (t) => {
        const instant = instantOf(t);
        // Outside years 0000-9999 in UTC it is refused: it could not be written back.
        const expected = instant >= FIRST_INSTANT && instant <= LAST_INSTANT ? instant : undefined;
        expect(parseRfc3339(writeAsGo(t))?.getTime()).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('writes back every instant it reads', async () => {
    await checkProperty(
      fc.property(goTimestampArb, (t) => {
        const instant = parseRfc3339(writeAsGo(t));
        if (instant === undefined) return;
        const text = formatRfc3339(instant);
        expect(text).toBeDefined();
        expect(parseRfc3339(text ?? '')?.getTime()).toBe(instant.getTime());
      }),
      { numRuns: 300 },
    );
  });
});
