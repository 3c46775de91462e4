import { spawn, type ChildProcess } from 'node:child_process';

/** What a command printed and how it ended (`code` null: ended by a signal). */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; rejects only when it cannot be started. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The commands running now, ended with this process so that none is left writing on its own. */
const running = new Set<ChildProcess>();

/**
 * Runs a command with the output collected (the last 64 KB of each stream). If this
 * process exits, or gets SIGINT or SIGTERM, while the command runs, the command is
 * ended too (a pip left running would go on writing into a folder no one owns).
 */
export function runCommand(command: string, args: readonly string[]): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawnTracked(() => spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true }));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = (stdout + chunk.toString('utf8')).slice(-65_536);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-65_536);
    });
    child.once('error', (err) => {
      untrack(child);
      reject(err);
    });
    child.once('close', (code) => {
      untrack(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts a command and keeps it among those ended with this process. The hooks go
 * on before the spawn: a signal that comes as soon as the command runs still ends it.
 */
function spawnTracked<T extends ChildProcess>(start: () => T): T {
  hook();
  try {
    const child = start();
    running.add(child);
    return child;
  } catch (err) {
    if (running.size === 0) unhook();
    throw err;
  }
}

/** Whether this module listens to exit and the stop signals (while a command runs). */
let hooked = false;

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', endAll);
  for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);
}

function untrack(child: ChildProcess): void {
  if (!running.delete(child) || running.size > 0) return;
  unhook();
}

function unhook(): void {
  if (!hooked) return;
  hooked = false;
  process.off('exit', endAll);
  for (const signal of STOP_SIGNALS) process.off(signal, onStopSignal);
}

function endAll(): void {
  for (const child of running) child.kill('SIGTERM');
  running.clear();
}

function onStopSignal(signal: NodeJS.Signals): void {
  endAll();
  unhook();
  // Listening took away the signal's default, ending this process; unless someone
  // else handles it, give that back by raising it again.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
