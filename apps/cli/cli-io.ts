import type { DoctorProbes } from './doctor-checks.js';

/** Where the CLI writes, and what it reads from its surroundings: injectable for tests. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  fetchImpl?: typeof fetch;
  /** Poll interval of `watch` and of `--wait` (bulk jobs), in ms. */
  watchIntervalMs?: number;
  /** The time, for countdowns and `--since` / `--until` durations (default Date.now). */
  now?: () => number;
  /** Waits `ms` between polls of `--wait` (default: a setTimeout). */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Opens `file` in the user's editor and resolves with the editor's exit code once
   * it exits (`--edit` of fork and rewind). Default: `$VISUAL`, else `$EDITOR`, else
   * `vi`, split on whitespace, with the file as the last argument and the terminal
   * inherited.
   */
  runEditor?: (file: string) => Promise<number>;
  /**
   * Resolves when a command that runs until interrupted (`console`) should stop;
   * called once it is up. Default: the first SIGINT or SIGTERM.
   */
  untilStopped?: () => Promise<void>;
  /** What `doctor` reads of the machine (Node version, emulator plan, credentials, timeout); default the real ones. */
  doctor?: Partial<DoctorProbes>;
}
