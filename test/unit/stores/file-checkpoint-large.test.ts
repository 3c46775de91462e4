import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { NamedStep } from '../../../lib/core/types.js';
import { Executor } from '../../../lib/executor/executor.js';
import { FileCheckpointStore } from '../../../lib/stores/file-checkpoint-store.js';
import { FAST } from '../executor/helpers.js';
import { sampleExecution, tempDir } from './fixtures.js';

const MB = 1024 * 1024;

/** A state of about 50 MB: a string, as a step that carries a large document would. */
function bigState(mark: string): string {
  return mark + 'x'.repeat(50 * MB);
}

describe('FileCheckpointStore with a 50 MB state', () => {
  let dir: string;
  let remove: () => Promise<void>;

  beforeEach(async () => {
    ({ path: dir, remove } = await tempDir());
  });

  afterEach(async () => {
    await remove();
  });

  it('saves and loads it whole', { timeout: 20_000 }, async () => {
    const store = new FileCheckpointStore(dir);
    const state = bigState('a');
    const exec = sampleExecution({
      checkpoints: [{ id: 'cp_big', step: 1, state, timestamp: new Date(0) }],
    });
    await store.saveCheckpoint(exec);
    const loaded = await store.loadCheckpoint(exec.id);
    expect(loaded.checkpoints).toHaveLength(1);
    const back = loaded.checkpoints[0]?.state as string;
    expect(back.length).toBe(state.length);
    expect(back === state).toBe(true);
  });

  it('runs a 2-step execution on it and resumes from its checkpoint', { timeout: 30_000 }, async () => {
    // The first executor runs step one, then stops inside step two (a crash, as far
    // as the file shows): the file holds the checkpoint of step one's 50 MB result.
    const stuck = new Promise<never>(() => undefined);
    const first = new Executor(FAST, { checkpointStore: new FileCheckpointStore(dir) });
    const steps = (two: (s: string) => string | Promise<string>): NamedStep<string>[] => [
      { name: 'one', fn: () => bigState('1') },
      { name: 'two', fn: two },
    ];
    let twoStarted!: () => void;
    const inTwo = new Promise<void>((resolve) => (twoStarted = resolve));
    const exec = first.createNamedExecution(
      'big',
      steps(() => (twoStarted(), stuck)),
    );
    await first.start(exec.id, '');
    await inTwo;

    const second = new Executor(FAST, { checkpointStore: new FileCheckpointStore(dir) });
    let input: string | undefined;
    for (const s of steps((s) => ((input = s), `2${s.slice(1)}`))) second.registry.register(s.name, s.fn);
    const loaded = await second.loadExecution(exec.id);
    expect(loaded.currentStep).toBe(1);
    expect(loaded.state).toBe(ExecutionState.Running);
    const last = loaded.checkpoints.at(-1)?.state as string;
    expect(last.length).toBe(50 * MB + 1);
    await second.resumeExecution(exec.id, last);
    const done = await second.wait(exec.id);

    expect(done.state).toBe(ExecutionState.Completed);
    expect(input?.startsWith('1x')).toBe(true);
    expect(input?.length).toBe(50 * MB + 1);
    const stored = await new FileCheckpointStore(dir).loadCheckpoint(exec.id);
    expect(stored.state).toBe(ExecutionState.Completed);
    const final = stored.checkpoints.at(-1)?.state as string;
    expect(final.length).toBe(50 * MB + 1);
    expect(final.startsWith('2x')).toBe(true);
  });
});
