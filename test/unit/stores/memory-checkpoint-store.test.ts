import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../lib/core/errors.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { sampleExecution } from './fixtures.js';

describe('MemoryCheckpointStore', () => {
  it('saves, loads, lists and deletes an execution', async () => {
    const store = new MemoryCheckpointStore();
    const exec = sampleExecution();
    await store.saveCheckpoint(exec);
    expect(await store.loadCheckpoint(exec.id)).toEqual(exec);
    expect(await store.listCheckpoints()).toEqual([exec]);
    await store.deleteCheckpoint(exec.id);
    expect(await store.listCheckpoints()).toEqual([]);
  });

  it('is not changed by the caller mutating the saved object afterwards', async () => {
    const store = new MemoryCheckpointStore();
    const exec = sampleExecution();
    await store.saveCheckpoint(exec);
    exec.state = 'cancelled';
    exec.metadata['owner'] = 'mallory';
    (exec.checkpoints[1]?.state as { rows: number[] }).rows.push(4);
    expect(await store.loadCheckpoint(exec.id)).toEqual(sampleExecution());
  });

  it('is not changed by the caller mutating a loaded or listed object', async () => {
    const store = new MemoryCheckpointStore();
    await store.saveCheckpoint(sampleExecution());
    const loaded = await store.loadCheckpoint(sampleExecution().id);
    loaded.stepNames?.push('extra');
    loaded.startTime.setTime(0);
    const [listed] = await store.listCheckpoints();
    if (listed) listed.metadata['owner'] = 'mallory';
    expect(await store.loadCheckpoint(sampleExecution().id)).toEqual(sampleExecution());
  });

  it('lists executions in id order', async () => {
    const store = new MemoryCheckpointStore();
    await store.saveCheckpoint(sampleExecution({ id: 'exec_b' }));
    await store.saveCheckpoint(sampleExecution({ id: 'exec_a' }));
    expect((await store.listCheckpoints()).map((e) => e.id)).toEqual(['exec_a', 'exec_b']);
  });

  it('rejects loading or deleting an unknown id with NOT_FOUND', async () => {
    const store = new MemoryCheckpointStore();
    await expect(store.loadCheckpoint('exec_unknown')).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(store.deleteCheckpoint('exec_unknown')).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it.each(['', '../x', 'a/b', '.hidden', 'x'.repeat(129)])(
    'rejects the unsafe id %j with VALIDATION_ERROR',
    async (id) => {
      const store = new MemoryCheckpointStore();
      const invalid = { code: ErrorCode.Validation };
      await expect(store.saveCheckpoint(sampleExecution({ id }))).rejects.toMatchObject(invalid);
      await expect(store.loadCheckpoint(id)).rejects.toMatchObject(invalid);
      await expect(store.deleteCheckpoint(id)).rejects.toMatchObject(invalid);
      expect(await store.listCheckpoints()).toEqual([]);
    },
  );

  it('rejects an execution the file store could not hold, as a rejected promise', async () => {
    const store = new MemoryCheckpointStore();
    let saving: Promise<void> | undefined;
    expect(() => {
      saving = store.saveCheckpoint(sampleExecution({ startTime: new Date(Number.NaN) }));
    }).not.toThrow();
    await expect(saving).rejects.toMatchObject({ code: ErrorCode.Validation });
    expect(await store.listCheckpoints()).toEqual([]);
  });
});
