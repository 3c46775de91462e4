import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { NamedStep, StepContext } from '../../../lib/core/types.js';
import { Executor } from '../../../lib/executor/executor.js';
import type { CheckpointStore } from '../../../lib/stores/checkpoint-store.js';
import { FileCheckpointStore } from '../../../lib/stores/file-checkpoint-store.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import { FAST, T0, untilWaiting } from './helpers.js';

const HOUR = 3_600_000;
type Seen = StepContext['event'][];

/** first -> (wait as `how` asks) -> second, which records its ctx.event. */
function steps(how: 'sleep' | 'fail' | 'continue', seen: Seen): NamedStep<number>[] {
  return [
    {
      name: 'first',
      fn: (s, ctx) =>
        how === 'sleep'
          ? ctx.sleep(HOUR, s + 1)
          : ctx.waitForEvent('approval', { state: s + 1, timeoutMs: HOUR, onTimeout: how }),
    },
    { name: 'second', fn: (s, ctx) => (seen.push(ctx.event), s * 10) },
  ];
}

/** An executor on its own clock over `store`, with the steps registered (a process). */
function process(store: CheckpointStore, at: number, how: 'sleep' | 'fail' | 'continue', seen: Seen = []) {
  const clock = new ManualClock(at);
  const executor = new Executor(FAST, { checkpointStore: store, clock });
  for (const step of steps(how, seen)) executor.registry.register(step.name, step.fn);
  return { clock, executor };
}

/** Starts an execution in a first process and leaves it waiting once its wait is saved, as a crash would. */
async function waitingIn(store: CheckpointStore, how: 'sleep' | 'fail' | 'continue'): Promise<string> {
  const { executor } = process(store, T0, how);
  const saved = new Promise<void>((resolve) => {
    executor.onEvent = (e) => e.type === 'step_completed' && resolve();
  });
  const exec = executor.createNamedExecution('restart', steps(how, []));
  await executor.start(exec.id, 1);
  await saved;
  expect((await store.loadCheckpoint(exec.id)).state).toBe(ExecutionState.Waiting);
  return exec.id;
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function fileStore(): Promise<FileCheckpointStore> {
  const dir = await mkdtemp(join(tmpdir(), 'longrunning-waits-'));
  dirs.push(dir);
  return new FileCheckpointStore(dir);
}

const STORES: [string, () => Promise<CheckpointStore>][] = [
  ['memory', async () => new MemoryCheckpointStore()],
  ['file', fileStore],
];

describe('Executor waits across a restart', () => {
  it.each(STORES)('re-arms a sleep on autoResumeAll (%s store) and wakes it at its time', async (_name, makeStore) => {
    const store = await makeStore();
    const id = await waitingIn(store, 'sleep');
    const later = process(store, T0 + 10 * 60_000, 'sleep');
    expect(await later.executor.autoResumeAll()).toBe(1);
    expect(later.executor.getExecution(id)?.state).toBe(ExecutionState.Waiting);
    expect(later.clock.nextTimerAt).toBe(T0 + HOUR);
    await later.clock.advance(HOUR - 10 * 60_000 - 1);
    expect(later.executor.getExecution(id)?.state).toBe(ExecutionState.Waiting);
    await later.clock.advance(1);
    const done = await later.executor.wait(id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.checkpoints.at(-1)?.state).toBe(20);
  });

  it.each(STORES)(
    're-arms an event wait on autoResumeAll (%s store); an event sent then resumes it',
    async (_name, makeStore) => {
      const store = await makeStore();
      const id = await waitingIn(store, 'fail');
      const seen: Seen = [];
      const later = process(store, T0 + 60_000, 'fail', seen);
      await later.executor.autoResumeAll();
      expect(later.clock.nextTimerAt).toBe(T0 + HOUR);
      expect((await later.executor.sendEvent(id, { type: 'approval', payload: 7 })).delivery).toBe('resumed');
      const done = await later.executor.wait(id);
      expect(done.state).toBe(ExecutionState.Completed);
      expect(seen.map((e) => e?.payload)).toEqual([7]);
      expect(later.clock.pendingTimers).toBe(0);
    },
  );

  it('runs at once the step whose sleep ended while the process was down', async () => {
    const store = new MemoryCheckpointStore();
    const id = await waitingIn(store, 'sleep');
    const later = process(store, T0 + 2 * HOUR, 'sleep');
    await later.executor.autoResumeAll();
    const done = await later.executor.wait(id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(done.stepRuns).toBe(2);
  });

  it('applies a timeout that passed while the process was down: fail, or continue with ctx.event null', async () => {
    const store = new MemoryCheckpointStore();
    const failing = await waitingIn(store, 'fail');
    const failed = process(store, T0 + 2 * HOUR, 'fail');
    await failed.executor.autoResumeAll();
    expect((await failed.executor.wait(failing)).errorCode).toBe('WAIT_TIMEOUT');

    const other = new MemoryCheckpointStore();
    const going = await waitingIn(other, 'continue');
    const seen: Seen = [];
    const goneOn = process(other, T0 + 2 * HOUR, 'continue', seen);
    await goneOn.executor.autoResumeAll();
    expect((await goneOn.executor.wait(going)).state).toBe(ExecutionState.Completed);
    expect(seen).toEqual([null]);
  });

  it('loads an execution paused in a wait as paused, and resume rebuilds it and waits again', async () => {
    const store = new MemoryCheckpointStore();
    const first = process(store, T0, 'sleep');
    const exec = first.executor.createNamedExecution('restart', steps('sleep', []));
    await first.executor.start(exec.id, 1);
    await untilWaiting(first.executor, exec.id);
    await first.executor.pause(exec.id);
    const later = process(store, T0 + 60_000, 'sleep');
    expect(await later.executor.autoResumeAll()).toBe(0);
    expect(later.executor.getExecution(exec.id)?.state).toBe(ExecutionState.Paused);
    await later.executor.resume(exec.id);
    expect(later.executor.getExecution(exec.id)?.state).toBe(ExecutionState.Waiting);
    await later.clock.advance(HOUR);
    expect((await later.executor.wait(exec.id)).checkpoints.at(-1)?.state).toBe(20);
  });
});
