import fc from 'fast-check';
import { instantArb } from './execution-arbitrary.js';

const MAX_OFFSET_MINUTES = 23 * 60 + 59;

/**
 * A timestamp as Go's `time.Time` could write it in JSON: a wall-clock time in years
 * 0000 to 9999 (held as the UTC fields of `local`), in a zone offset (or `Z`), with
 * the fraction trimmed of trailing zeros as `RFC3339Nano` does (or padded), up to six
 * more digits past the millisecond, and `T`/`Z` in either case.
 */
export interface GoTimestamp {
  local: Date;
  offsetMinutes: number;
  zulu: boolean;
  extraDigits: string;
  trim: boolean;
  lowerCase: boolean;
}

export const goTimestampArb: fc.Arbitrary<GoTimestamp> = fc.record({
  local: instantArb,
  offsetMinutes: fc.oneof(
    fc.constantFrom(0, MAX_OFFSET_MINUTES, -MAX_OFFSET_MINUTES),
    fc.integer({ min: -MAX_OFFSET_MINUTES, max: MAX_OFFSET_MINUTES }),
  ),
  zulu: fc.boolean(),
  extraDigits: fc.stringMatching(/^[0-9]{0,6}$/),
  trim: fc.boolean(),
  lowerCase: fc.boolean(),
});

/** The instant `t` names, to the millisecond. */
export function instantOf(t: GoTimestamp): number {
  return t.local.getTime() - t.offsetMinutes * 60_000;
}

/** The RFC 3339 text of `t`. */
export function writeAsGo(t: GoTimestamp): string {
  const local = t.local.toISOString();
  let fraction = local.slice(20, 23) + t.extraDigits;
  if (t.trim) fraction = fraction.replace(/0+$/, '');
  const offset = Math.abs(t.offsetMinutes);
  const sign = t.offsetMinutes < 0 ? '-' : '+';
  const zone = t.offsetMinutes === 0 && t.zulu ? 'Z' : `${sign}${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`;
  const text = `${local.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}${zone}`;
  return t.lowerCase ? text.replace('T', 't').replace('Z', 'z') : text;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
