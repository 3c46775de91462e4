import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../lib/core/errors.js';
import { parseExecution } from '../../../lib/stores/execution-codec.js';
import { MemoryTaskStore } from '../../../lib/stores/memory-task-store.js';
import { PersistentCheckpointStore } from '../../../lib/stores/persistent-checkpoint-store.js';
import { checkpointStoreContract } from '../../contract/checkpoint-store-contract.js';
import { GO_PAUSED_DOCUMENT, capturingLogger, sampleExecution } from './fixtures.js';

describe('PersistentCheckpointStore', () => {
  checkpointStoreContract(() => new PersistentCheckpointStore(new MemoryTaskStore()));

  it('records the state as status, the progress, the name and the Go JSON document', async () => {
    const tasks = new MemoryTaskStore();
    const exec = sampleExecution({ state: 'running', progress: 50 });
    await new PersistentCheckpointStore(tasks).saveCheckpoint(exec);
    const record = await tasks.getTask(exec.id);
    expect(record).toMatchObject({ id: exec.id, status: 'running', progress: 50, metadata: { name: 'report' } });
    expect(JSON.parse(record?.data ?? 'null')).toMatchObject({
      id: exec.id,
      current_step: 1,
      step_names: ['fetch', 'summarise'],
    });
  });

  it('loads an execution that Go stored in the task table', async () => {
    const tasks = new MemoryTaskStore();
    const id = 'exec_9f86d081884c7d659a2feaa0c55ad015';
    await tasks.saveTask({ id, status: 'paused', progress: 66.7, data: GO_PAUSED_DOCUMENT });
    expect(await new PersistentCheckpointStore(tasks).loadCheckpoint(id)).toEqual(parseExecution(GO_PAUSED_DOCUMENT));
  });

  it('rejects loading a malformed record with CORRUPT_RECORD', async () => {
    const tasks = new MemoryTaskStore();
    await tasks.saveTask({ id: 'exec_bad', status: 'running', progress: 0, data: '{"id":"exec_bad"' });
    const loading = new PersistentCheckpointStore(tasks).loadCheckpoint('exec_bad');
    await expect(loading).rejects.toMatchObject({
      code: ErrorCode.CorruptRecord,
      message: expect.stringContaining('exec_bad') as unknown,
    });
  });

  it('skips malformed records in a list and warns with their ids', async () => {
    const tasks = new MemoryTaskStore();
    const logger = capturingLogger();
    const store = new PersistentCheckpointStore(tasks, logger);
    const good = sampleExecution();
    await store.saveCheckpoint(good);
    await tasks.saveTask({ id: 'exec_truncated', status: 'running', progress: 0, data: '{"id":' });
    await tasks.saveTask({ id: 'exec_other', status: 'paused', progress: 0, data: GO_PAUSED_DOCUMENT });
    expect(await store.listCheckpoints()).toEqual([good]);
    const warned = logger.entries.filter((e) => e.level === 'warn');
    expect(warned.map((e) => e.fields?.['id'])).toEqual(['exec_truncated', 'exec_other']);
    expect(warned[1]?.fields?.['error']).toContain('field "id"');
  });

  it('rejects an unsafe id with VALIDATION_ERROR without touching the adapter', async () => {
    const tasks = new MemoryTaskStore();
    const store = new PersistentCheckpointStore(tasks);
    const saving = store.saveCheckpoint(sampleExecution({ id: '../x' }));
    await expect(saving).rejects.toMatchObject({ code: ErrorCode.Validation });
    expect(await tasks.listTasks()).toEqual([]);
  });
});
