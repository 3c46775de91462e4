/** Where the CLI writes, and what it reads from its surroundings: injectable for tests. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  fetchImpl?: typeof fetch;
  /** Poll interval of `watch`, in ms. */
  watchIntervalMs?: number;
  /** The time, for countdowns (default Date.now). */
  now?: () => number;
}
