import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../lib/core/errors.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { checkpointStoreContract } from '../../contract/checkpoint-store-contract.js';
import { sampleExecution } from './fixtures.js';

describe('MemoryCheckpointStore', () => {
  checkpointStoreContract(() => new MemoryCheckpointStore());

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
