import { describe, expect, it } from 'vitest';
import { cpuMsFromProcStat, processCpuMs } from '../../bench/process-cpu.js';

/** A /proc/<pid>/stat line with utime 250 and stime 50 ticks (fields 14 and 15). */
const stat = (comm: string): string =>
  `4242 (${comm}) S 1 4242 4242 0 -1 4194304 5000 0 0 0 250 50 7 3 20 0 9 0 100 200000000 9000 18446744073709551615`;

describe('cpuMsFromProcStat', () => {
  it('adds utime and stime and converts ticks (100 a second) to milliseconds, leaving out waited-for children', () => {
    expect(cpuMsFromProcStat(stat('python3'))).toBe(3_000);
  });

  it('counts fields after the last parenthesis, so a command name with spaces and parentheses does not shift them', () => {
    expect(cpuMsFromProcStat(stat('moto server (x) 1 2 3'))).toBe(3_000);
  });

  it('throws on text that is not a stat line', () => {
    expect(() => cpuMsFromProcStat('no parenthesis here')).toThrow(/not a \/proc\/<pid>\/stat line/);
    expect(() => cpuMsFromProcStat('1 (x) S 1 2')).toThrow(/utime and stime/);
  });
});

describe('processCpuMs', () => {
  it('is undefined for a process that cannot be read', () => {
    expect(processCpuMs(2 ** 30)).toBeUndefined();
  });
});
