import { expect, it } from 'vitest';
import {
  STEP_ERROR,
  cancelOf,
  claimOf,
  commitOf,
  fence,
  newExec,
  pauseOf,
  runSteps,
  type MakeStore,
} from './fixtures.js';

/** ExecutionStore.delete: terminal executions only, with everything they own. */
export function deleteContract(make: MakeStore): void {
  it('deletes only terminal executions, with their checkpoints and idempotency key', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { idempotencyKey: 'k' }));
    await expect(store.delete('e1')).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION', state: 'running' });
    await store.transition(pauseOf('e1'));
    await expect(store.delete('e1')).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION', state: 'paused' });
    await expect(store.delete('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await store.transition(cancelOf('e1'));
    await store.delete('e1');
    expect(await store.get('e1')).toBeUndefined();
    expect((await store.listCheckpoints('e1', { limit: 5 })).items).toEqual([]);
    expect((await store.list({ limit: 5 })).items).toEqual([]);
    expect((await store.create(newExec('e2', { idempotencyKey: 'k' }))).created).toBe(true);
  });

  it('deletes a completed execution with all its checkpoints, and reports NOT_FOUND after', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { idempotencyKey: 'del-1', stepNames: ['a', 'b'] }));
    await runSteps(store, 'e1', 2);
    expect((await store.listCheckpoints('e1', { limit: 5 })).items).toHaveLength(3);
    await store.delete('e1');
    expect(await store.get('e1')).toBeUndefined();
    expect((await store.listCheckpoints('e1', { limit: 5 })).items).toEqual([]);
    await expect(store.delete('e1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const reused = await store.create(newExec('e3', { idempotencyKey: 'del-1' }));
    expect(reused.created).toBe(true);
    expect(reused.head.id).toBe('e3');
  });

  it('deletes a failed execution, and lets its id be created again from scratch', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    await store.commit(commitOf('e1', 0, 0, 1));
    await store.claim(claimOf('e1', 1, 1));
    await store.fail({ ...fence('e1', 1), error: STEP_ERROR, events: [] });
    await store.delete('e1');
    const { head, created } = await store.create(newExec('e1', { input: { v: 'again' } }));
    expect(created).toBe(true);
    expect(head).toMatchObject({ state: 'running', version: 0, currentStep: 0, data: { v: 'again' } });
    expect((await store.listCheckpoints('e1', { limit: 5 })).items.map((cp) => [cp.step, cp.state])).toEqual([
      [0, { v: 'again' }],
    ]);
  });

  it('reports NOT_FOUND for an unsafe id', async () => {
    const { store } = await make();
    await expect(store.delete('../e1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
}
