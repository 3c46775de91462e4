/**
 * RFC 3339 timestamps as Go's `time.Time` writes them in JSON (`RFC3339Nano`):
 * `2025-03-01T10:00:00.123456789+01:00`, `2025-03-01T09:00:00Z`. The fraction may
 * have any number of digits; the zone is `Z` or a `±hh:mm` offset.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const MS_PER_MINUTE = 60_000;

/**
 * The last timestamps {@link formatRfc3339} wrote, both ways. A save writes the
 * timestamps of the execution's recent checkpoints again and again, and checks what
 * it wrote by reading it back; both are pure, so they answer from here when they can.
 */
const MEMO_SIZE = 64;
const textOfTime = new Map<number, string>();
const timeOfText = new Map<string, number>();

function remember(time: number, text: string): void {
  if (textOfTime.size >= MEMO_SIZE) {
    const [oldest] = textOfTime;
    if (oldest) {
      textOfTime.delete(oldest[0]);
      timeOfText.delete(oldest[1]);
    }
  }
  textOfTime.set(time, text);
  timeOfText.set(text, time);
}

/**
 * Parses an RFC 3339 timestamp into a Date, or returns `undefined` when the text is
 * not one (wrong shape, or an impossible date such as February 30th or hour 24), or
 * when it names an instant outside years 0000-9999 in UTC, which
 * {@link formatRfc3339} could not write back (Go writes a few: year 0000 with a
 * positive offset, year 9999 with a negative one; reading them would load an
 * execution that can never be saved again).
 * Digits past milliseconds are truncated, never rounded, so the result never lies
 * after the written instant. This does not use `new Date(text)`, whose handling of
 * long fractions and years before 100 varies.
 */
export function parseRfc3339(text: string): Date | undefined {
  const known = timeOfText.get(text);
  if (known !== undefined) return new Date(known);
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', z, sign, oh = '0', om = '0'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const offsetHours = Number(oh);
  const offsetMinutes = Number(om);
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    return undefined;
  }
  const millis = Number(frac.padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 onto 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined;
  }
  const offset = z === undefined ? (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) : 0;
  const instant = new Date(date.getTime() - offset * MS_PER_MINUTE);
  return formatRfc3339(instant) === undefined ? undefined : instant;
}

/** True when {@link parseRfc3339} reads `text` (without making a Date when it wrote it lately). */
export function isRfc3339(text: string): boolean {
  return timeOfText.has(text) || parseRfc3339(text) !== undefined;
}

/**
 * Formats a Date as an RFC 3339 UTC timestamp with milliseconds
 * (`2025-03-01T09:00:00.123Z`), which Go's `time.Time` reads back exactly. Returns
 * `undefined` for an invalid Date or a year outside 0000-9999, which RFC 3339 (and
 * Go) cannot represent.
 */
export function formatRfc3339(date: Date): string | undefined {
  const time = date.getTime();
  const known = textOfTime.get(time);
  if (known !== undefined) return known;
  if (!Number.isFinite(time)) return undefined;
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) return undefined;
  const text = date.toISOString();
  remember(time, text);
  return text;
}
