import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../lib/core/errors.js';
import { MemoryTaskStore } from '../../../lib/stores/memory-task-store.js';
import type { TaskRecord } from '../../../lib/stores/task-store.js';

const task = (overrides: Partial<TaskRecord> = {}): TaskRecord => ({
  id: 'task_1',
  status: 'running',
  progress: 25,
  data: '{"k":1}',
  metadata: { name: 'report' },
  ...overrides,
});

describe('MemoryTaskStore', () => {
  it('returns a saved task by id and undefined for an unknown one', async () => {
    const store = new MemoryTaskStore();
    await store.saveTask(task());
    expect(await store.getTask('task_1')).toEqual(task());
    expect(await store.getTask('task_2')).toBeUndefined();
  });

  it('copies records in and out', async () => {
    const store = new MemoryTaskStore();
    const saved = task();
    await store.saveTask(saved);
    saved.status = 'failed';
    if (saved.metadata) saved.metadata['name'] = 'changed';
    const got = await store.getTask('task_1');
    if (got?.metadata) got.metadata['name'] = 'changed again';
    const [listed] = await store.listTasks();
    if (listed) listed.progress = 99;
    expect(await store.getTask('task_1')).toEqual(task());
  });

  it('lists every task and replaces a task saved twice', async () => {
    const store = new MemoryTaskStore();
    await store.saveTask(task());
    await store.saveTask(task({ id: 'task_2' }));
    await store.saveTask(task({ progress: 75 }));
    const tasks = await store.listTasks();
    expect(tasks.map((t) => [t.id, t.progress])).toEqual([
      ['task_1', 75],
      ['task_2', 25],
    ]);
  });

  it('deletes a task and rejects deleting an unknown one with NOT_FOUND', async () => {
    const store = new MemoryTaskStore();
    await store.saveTask(task());
    await store.deleteTask('task_1');
    expect(await store.getTask('task_1')).toBeUndefined();
    await expect(store.deleteTask('task_1')).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it('updates only the progress or status column', async () => {
    const store = new MemoryTaskStore();
    await store.saveTask(task());
    await store.updateProgress('task_1', 80);
    await store.updateStatus('task_1', 'paused');
    expect(await store.getTask('task_1')).toEqual(task({ progress: 80, status: 'paused' }));
  });

  it('rejects updating an unknown task with NOT_FOUND', async () => {
    const store = new MemoryTaskStore();
    await expect(store.updateProgress('nope', 10)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    await expect(store.updateStatus('nope', 'paused')).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  it.each([-1, 100.01, Number.NaN, Number.POSITIVE_INFINITY])(
    'rejects progress %s with VALIDATION_ERROR and keeps the old value',
    async (progress) => {
      const store = new MemoryTaskStore();
      await store.saveTask(task());
      await expect(store.updateProgress('task_1', progress)).rejects.toMatchObject({ code: ErrorCode.Validation });
      await expect(store.saveTask(task({ progress }))).rejects.toMatchObject({ code: ErrorCode.Validation });
      expect((await store.getTask('task_1'))?.progress).toBe(25);
    },
  );

  it('accepts progress at both ends of 0 to 100', async () => {
    const store = new MemoryTaskStore();
    await store.saveTask(task({ progress: 0 }));
    await store.updateProgress('task_1', 100);
    expect((await store.getTask('task_1'))?.progress).toBe(100);
  });

  it('rejects a task with an empty id with VALIDATION_ERROR', async () => {
    const store = new MemoryTaskStore();
    await expect(store.saveTask(task({ id: '' }))).rejects.toMatchObject({ code: ErrorCode.Validation });
    expect(await store.listTasks()).toEqual([]);
  });
});
