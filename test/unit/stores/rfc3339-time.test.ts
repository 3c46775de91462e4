import { describe, expect, it } from 'vitest';
import { formatRfc3339, parseRfc3339 } from '../../../lib/stores/rfc3339-time.js';

describe('parseRfc3339', () => {
  it.each([
    ['2025-03-01T10:00:00Z', '2025-03-01T10:00:00.000Z'],
    ['2025-03-01T10:00:00.123456789+01:00', '2025-03-01T09:00:00.123Z'],
    ['2025-03-01T10:00:00.999999999+05:30', '2025-03-01T04:30:00.999Z'],
    ['2025-03-01T10:00:00.5-08:00', '2025-03-01T18:00:00.500Z'],
    ['2025-03-01T10:00:00.12Z', '2025-03-01T10:00:00.120Z'],
    ['2025-03-01T00:15:00+00:30', '2025-02-28T23:45:00.000Z'],
    ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['2025-03-01t10:00:00z', '2025-03-01T10:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseRfc3339(text)?.toISOString()).toBe(iso);
  });

  it('truncates digits past milliseconds instead of rounding them', () => {
    expect(parseRfc3339('2025-12-31T23:59:59.9999999Z')?.toISOString()).toBe('2025-12-31T23:59:59.999Z');
  });

  it.each([
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'],
    ['0000-01-01T01:00:00+01:00', '0000-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999Z'],
    ['9999-12-31T22:59:59.999-01:00', '9999-12-31T23:59:59.999Z'],
  ])('reads %s, an instant in years 0000-9999 in UTC', (text, iso) => {
    expect(parseRfc3339(text)?.toISOString()).toBe(iso);
  });

  it.each(['0000-01-01T00:30:00+01:00', '9999-12-31T23:30:00-01:00'])(
    'rejects %s: Go writes it, but its instant lies outside years 0000-9999 in UTC, which cannot be written back',
    (text) => {
      expect(parseRfc3339(text)).toBeUndefined();
    },
  );

  it('keeps years before 100 instead of moving them to the 1900s', () => {
    expect(parseRfc3339('0050-06-15T00:00:00Z')?.getUTCFullYear()).toBe(50);
  });

  it.each([
    '2025-03-01T10:00:00',
    '2025-03-01 10:00:00Z',
    '2025-02-29T10:00:00Z',
    '2025-04-31T10:00:00Z',
    '2025-13-01T10:00:00Z',
    '2025-03-01T24:00:00Z',
    '2025-03-01T10:60:00Z',
    '2025-03-01T10:00:60Z',
    '2025-03-01T10:00:00.Z',
    '2025-03-01T10:00:00+0100',
    '2025-03-01T10:00:00+01:60',
    '25-03-01T10:00:00Z',
    '',
  ])('rejects %j', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });
});

describe('formatRfc3339', () => {
  it('writes UTC with milliseconds', () => {
    expect(formatRfc3339(new Date(Date.UTC(2025, 2, 1, 9, 0, 0, 7)))).toBe('2025-03-01T09:00:00.007Z');
  });

  it('returns undefined for an invalid Date', () => {
    expect(formatRfc3339(new Date('not a date'))).toBeUndefined();
  });

  it('returns undefined for a year RFC 3339 cannot hold', () => {
    expect(formatRfc3339(new Date(Date.UTC(10000, 0, 1)))).toBeUndefined();
  });

  it('writes what parseRfc3339 reads back to the same instant', () => {
    const date = new Date(Date.UTC(1, 0, 2, 3, 4, 5, 678));
    date.setUTCFullYear(1);
    const text = formatRfc3339(date);
    expect(text).toBe('0001-01-02T03:04:05.678Z');
    expect(parseRfc3339(text ?? '')?.getTime()).toBe(date.getTime());
  });
});

describe('formatRfc3339 and parseRfc3339 on timestamps seen before', () => {
  it('give the same answers the second time, past the number they remember', () => {
    const times = Array.from({ length: 200 }, (_, i) => Date.UTC(2026, 11, 2) + i * 7);
    for (const round of [1, 2]) {
      for (const time of times) {
        const text = formatRfc3339(new Date(time));
        expect(text, `round ${round}`).toBe(new Date(time).toISOString());
        expect(parseRfc3339(text ?? '')?.getTime(), `round ${round}`).toBe(time);
      }
    }
  });

  it('return a new Date from each parse, so changing one does not change the next', () => {
    const text = formatRfc3339(new Date(Date.UTC(2026, 11, 2, 9, 0, 0, 1))) ?? '';
    const first = parseRfc3339(text);
    first?.setTime(0);
    expect(parseRfc3339(text)?.toISOString()).toBe('2026-12-02T09:00:00.001Z');
  });

  it('still refuse an invalid Date after valid ones were written', () => {
    formatRfc3339(new Date(0));
    expect(formatRfc3339(new Date(Number.NaN))).toBeUndefined();
  });
});
