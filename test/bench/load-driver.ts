/**
 * The load: `inFlight` slots, each starting an execution through the HTTP API
 * (`POST /executions`, a real request to the bridge) and, once it has finished,
 * the next one, until the window closes. Then the executions still in flight are
 * waited for, until none is left or no step has committed for `drainIdleMs`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadRecorder } from './load-recorder.js';

/** Pause after a failed start request, so a broken API is not hammered. */
const START_ERROR_PAUSE_MS = 250;

/** What {@link driveLoad} runs. */
export interface DriveOptions {
  apiUrl: string;
  workflow: string;
  /** The input of the `seq`th execution. */
  input: (seq: number) => unknown;
  inFlight: number;
  windowMs: number;
  /** After the window, give up on the executions left once no step has committed for this long. */
  drainIdleMs: number;
  recorder: LoadRecorder;
  /** Aborting closes the window early (Ctrl-C); the drain still follows. */
  signal?: AbortSignal;
  /** Called once, as the window closes (to take readings over exactly the window). */
  onWindowClosed?: () => void;
  now?: () => number;
}

/** When the window opened and closed and when the drain ended (epoch ms). */
export interface DriveTimes {
  windowStart: number;
  windowEnd: number;
  end: number;
}

/** Runs the load and resolves once every slot has stopped. */
export async function driveLoad(o: DriveOptions): Promise<DriveTimes> {
  const now = o.now ?? Date.now;
  const windowStart = now();
  let windowEnd: number | undefined;
  const windowClosed = new Promise<void>((resolve) => {
    const close = (): void => {
      clearTimeout(timer);
      if (windowEnd !== undefined) return;
      windowEnd = now();
      o.onWindowClosed?.();
      resolve();
    };
    const timer = setTimeout(close, o.windowMs);
    o.signal?.addEventListener('abort', close, { once: true });
  });
  let drained = false;
  const drainOver = windowClosed
    .then(() => untilIdle(o, () => Math.max(windowEnd ?? 0, o.recorder.lastProgressAt), now))
    .then(() => {
      drained = true;
    });
  let seq = 0;

  const slot = async (): Promise<void> => {
    while (windowEnd === undefined) {
      const id = await startOne(o, seq++, now);
      if (id === undefined) {
        await sleep(START_ERROR_PAUSE_MS);
        continue;
      }
      await Promise.race([o.recorder.finished(id), drainOver]);
      if (drained) return;
    }
  };
  await Promise.all(Array.from({ length: o.inFlight }, slot));
  return { windowStart, windowEnd: windowEnd ?? now(), end: now() };
}

/** Resolves once `drainIdleMs` have passed since the last progress (checked every second). */
async function untilIdle(o: DriveOptions, lastProgress: () => number, now: () => number): Promise<void> {
  while (now() - lastProgress() < o.drainIdleMs) await sleep(1_000, undefined, { ref: false });
}

/** Starts one execution; its id, or undefined after recording why it could not be started. */
async function startOne(o: DriveOptions, seq: number, now: () => number): Promise<string | undefined> {
  const requestedAt = now();
  let status: number;
  let body: unknown;
  try {
    const res = await fetch(`${o.apiUrl}/executions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: o.workflow, input: o.input(seq) }),
    });
    status = res.status;
    body = await res.json();
  } catch (err) {
    o.recorder.error('start request failed', err instanceof Error ? err.message : String(err));
    return undefined;
  }
  const id = (body as { id?: unknown } | null)?.id;
  if (status !== 201 || typeof id !== 'string') {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    o.recorder.error(`start answered HTTP ${status} ${error?.code ?? ''}`.trim(), error?.message);
    return undefined;
  }
  o.recorder.started(id, requestedAt, now());
  return id;
}
