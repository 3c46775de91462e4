import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../support/repo-root.js';
import { PhaseTracker, type KillPhase } from './kill-classifier.js';
import { randomInt, type Random } from './rng.js';
import { lineSplitter, parseTraceLine, type TraceLine } from './trace-lines.js';
import { CHAOS_TIMING, WORKER_CONFIG_ENV, workerLabel, type WorkerConfig } from './worker-config.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const RESTART_DELAY_MS = 250;
const STOP_TIMEOUT_MS = 15_000;

interface Slot {
  index: number;
  generation: number;
  child: ChildProcess;
  tracker: PhaseTracker;
}

/** One SIGKILL by the driver and what it caught. */
export interface KillRecord {
  t: number;
  worker: string;
  caught: { id: string; phase: KillPhase }[];
}

/**
 * K worker processes, each restarted shortly after it dies (killed by the driver,
 * or by its own crash point), as Lambda would start a fresh instance. Every line a
 * worker prints goes to `onLine`; each worker's phases are tracked so a kill can
 * be classified by what it interrupted.
 */
export class WorkerPool {
  readonly #slots = new Map<number, Slot>();
  readonly #base: Omit<WorkerConfig, 'index' | 'generation' | 'calm'>;
  readonly #onLine: (line: TraceLine) => void;
  #calm = false;
  #stopping = false;
  readonly #ready = new Set<number>();
  #allReady: () => void = () => undefined;
  /** Resolves once every worker has started polling (the first time). */
  readonly ready: Promise<void> = new Promise((resolve) => (this.#allReady = resolve));
  /** Unexpected exits (not a SIGKILL, not our stop), with the worker's last stderr. */
  readonly failures: string[] = [];
  restarts = 0;

  constructor(
    count: number,
    base: Omit<WorkerConfig, 'index' | 'generation' | 'calm'>,
    onLine: (l: TraceLine) => void,
  ) {
    this.#base = base;
    this.#onLine = onLine;
    for (let i = 0; i < count; i++) this.#spawn(i, 0);
  }

  /** SIGKILLs a random live worker; returns what it had in flight. */
  killRandom(random: Random): KillRecord | undefined {
    const live = [...this.#slots.values()].filter((s) => s.child.exitCode === null && s.child.signalCode === null);
    if (live.length === 0) return undefined;
    const slot = live[randomInt(random, 0, live.length - 1)]!;
    const t = Date.now();
    const caught = slot.tracker.inFlight(t, CHAOS_TIMING.functionTimeoutMs + 2_000);
    slot.child.kill('SIGKILL');
    return { t, worker: workerLabel(slot.index, slot.generation), caught };
  }

  /** Turns faults and crashes off in every worker, now and after restarts. */
  calm(): void {
    this.#calm = true;
    for (const slot of this.#slots.values()) slot.child.stdin?.write('calm\n');
  }

  /** Stops every worker (SIGTERM: the poller finishes its batches), SIGKILL after a timeout. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await Promise.all(
      [...this.#slots.values()].map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  #spawn(index: number, generation: number): void {
    const config: WorkerConfig = { ...this.#base, index, generation, calm: this.#calm };
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
      cwd: REPO_ROOT,
      env: { ...process.env, [WORKER_CONFIG_ENV]: JSON.stringify(config) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const slot: Slot = { index, generation, child, tracker: new PhaseTracker() };
    this.#slots.set(index, slot);
    child.stdin.on('error', () => undefined);
    child.stdout.on(
      'data',
      lineSplitter((text) => {
        const line = parseTraceLine(text);
        if (!line) return;
        if (line.k === 'ready') {
          this.#ready.add(index);
          if (this.#ready.size === this.#slots.size) this.#allReady();
        }
        slot.tracker.see(line);
        this.#onLine(line);
      }),
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    // A spawn that fails (no node binary, too many processes) emits 'error' and may
    // never emit 'exit': count it as a harness failure instead of crashing the run.
    child.once('error', (err) => {
      if (!this.#stopping) this.failures.push(`${workerLabel(index, generation)} could not start: ${err.message}`);
    });
    child.once('exit', (code, signal) => {
      if (this.#stopping) return;
      if (signal !== 'SIGKILL')
        this.failures.push(`${workerLabel(index, generation)} exited (${code ?? signal}): ${stderr.trim()}`);
      this.restarts++;
      setTimeout(() => {
        if (!this.#stopping) this.#spawn(index, generation + 1);
      }, RESTART_DELAY_MS);
    });
  }
}
