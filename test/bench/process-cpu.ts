import { readFileSync } from 'node:fs';

/** Linux reports the times in /proc/<pid>/stat in USER_HZ ticks, 100 a second on its mainstream ABIs. */
export const PROC_TICKS_PER_SECOND = 100;

/**
 * CPU time (user plus system, in milliseconds) of the process whose
 * /proc/<pid>/stat text is `stat`. The command name (field 2) may hold spaces and
 * parentheses, so fields are counted from the last ")": utime and stime are fields
 * 14 and 15. Throws on text that is not a stat line.
 */
export function cpuMsFromProcStat(stat: string): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line: no ")" after the command name');
  // rest[0] is field 3 (state), so field n is rest[n - 3].
  const rest = stat
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isSafeInteger(utime) || !Number.isSafeInteger(stime))
    throw new Error('not a /proc/<pid>/stat line: utime and stime are not whole numbers');
  return ((utime + stime) * 1000) / PROC_TICKS_PER_SECOND;
}

/** CPU time of process `pid` so far, in milliseconds; undefined where /proc cannot be read (not Linux, or it exited). */
export function processCpuMs(pid: number): number | undefined {
  try {
    return cpuMsFromProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** This process's CPU time so far (user plus system), in milliseconds. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
