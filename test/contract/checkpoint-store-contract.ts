import { expect, it } from 'vitest';
import { ErrorCode } from '../../lib/core/errors.js';
import type { CheckpointStore } from '../../lib/stores/checkpoint-store.js';
import { sampleExecution } from '../unit/stores/fixtures.js';

/**
 * The behaviour every CheckpointStore shares (the port's contract): call inside a
 * describe block with a factory of fresh, empty stores (each call a store of its own
 * that no other test sees; it may be async, for a store that needs a new table).
 */
export function checkpointStoreContract(make: () => CheckpointStore | Promise<CheckpointStore>): void {
  it('saves, loads, lists and deletes an execution', async () => {
    const store = await make();
    const exec = sampleExecution();
    await store.saveCheckpoint(exec);
    expect(await store.loadCheckpoint(exec.id)).toEqual(exec);
    expect(await store.listCheckpoints()).toEqual([exec]);
    await store.deleteCheckpoint(exec.id);
    expect(await store.listCheckpoints()).toEqual([]);
    await expect(store.loadCheckpoint(exec.id)).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('lists every saved execution once, the last save of each', async () => {
    const store = await make();
    await store.saveCheckpoint(sampleExecution({ id: 'exec_b' }));
    await store.saveCheckpoint(sampleExecution({ id: 'exec_a' }));
    await store.saveCheckpoint(sampleExecution({ id: 'exec_b', state: 'completed', progress: 100 }));
    const listed = await store.listCheckpoints();
    expect(listed.map((e) => `${e.id}:${e.state}`).sort()).toEqual(['exec_a:paused', 'exec_b:completed']);
  });

  it('rejects loading or deleting an unknown id with NOT_FOUND, leaving the rest', async () => {
    const store = await make();
    await store.saveCheckpoint(sampleExecution());
    await expect(store.loadCheckpoint('exec_unknown')).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(store.deleteCheckpoint('exec_unknown')).rejects.toMatchObject({ code: ErrorCode.NotFound });
    expect(await store.listCheckpoints()).toHaveLength(1);
  });

  it.each(['', '../x', 'a/b', '.hidden', 'x'.repeat(129)])(
    'rejects the unsafe id %j with VALIDATION_ERROR and stores nothing',
    async (id) => {
      const store = await make();
      const invalid = { code: ErrorCode.Validation };
      await expect(store.saveCheckpoint(sampleExecution({ id }))).rejects.toMatchObject(invalid);
      await expect(store.loadCheckpoint(id)).rejects.toMatchObject(invalid);
      await expect(store.deleteCheckpoint(id)).rejects.toMatchObject(invalid);
      expect(await store.listCheckpoints()).toEqual([]);
    },
  );
}
