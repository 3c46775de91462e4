import { expect, it } from 'vitest';
import { MAX_ITEM_BYTES } from '../../../lib/core/item-size.js';
import { MAX_RECORDED_EVENTS } from '../../../lib/runtime/model.js';
import type { NewExecution } from '../../../lib/runtime/ports.js';
import { T, newExec, pauseOf, runSteps, type MakeStore } from './fixtures.js';

/** ExecutionStore.create: the new head and checkpoint 0, idempotency keys, and what it refuses. */
export function createContract(make: MakeStore): void {
  it('creates a running head at step 0, version 0, with the checkpoint of step 0', async () => {
    const { store } = await make();
    const { head, created } = await store.create(newExec('e1', { metadata: { owner: 'ops' } }));
    expect(created).toBe(true);
    expect(head).toEqual({
      id: 'e1',
      name: 'e1',
      workflow: 'wf',
      state: 'running',
      stepNames: ['a', 'b', 'c'],
      currentStep: 0,
      totalSteps: 3,
      progress: 0,
      data: { v: 0 },
      version: 0,
      claims: 0,
      startTime: T,
      lastUpdate: T,
      sweepAt: T + 1000,
      metadata: { owner: 'ops' },
      events: [],
      stepRuns: 0,
      maxStepRuns: 10_000,
      inbox: [],
      seenEventIds: [],
      callbacks: [],
      inboxSeq: 0,
    });
    expect(await store.get('e1')).toEqual(head);
    const cps = await store.listCheckpoints('e1', { limit: 10 });
    expect(cps).toEqual({
      items: [{ id: 'e1/0', executionId: 'e1', seq: 0, step: 0, stepName: 'a', state: { v: 0 }, timestamp: T }],
    });
  });

  it('keeps the workflow version it is created with through commits and transitions, and lists it', async () => {
    const { store } = await make();
    const { head } = await store.create(newExec('e1', { workflowVersion: '2024-06.1' }));
    expect(head.workflowVersion).toBe('2024-06.1');
    expect(await store.get('e1')).toEqual(head);
    const committed = await runSteps(store, 'e1', 2);
    expect(committed.workflowVersion).toBe('2024-06.1');
    const paused = await store.transition(pauseOf('e1', T + 10));
    expect(paused.workflowVersion).toBe('2024-06.1');
    expect(await store.get('e1')).toEqual(paused);
    expect((await store.list({ limit: 10 })).items.map((h) => h.workflowVersion)).toEqual(['2024-06.1']);
    // A head without one (a workflow without a version, or a head written before the
    // field existed) has no field at all.
    const { head: plain } = await store.create(newExec('e2'));
    expect('workflowVersion' in plain).toBe(false);
    expect('workflowVersion' in ((await store.get('e2')) ?? {})).toBe(false);
  });

  it('returns the first execution, unchanged, for a used idempotency key, and writes nothing', async () => {
    const { store } = await make();
    const first = await store.create(newExec('e1', { idempotencyKey: 'order-42' }));
    expect(first.head.idempotencyKey).toBe('order-42');
    const again = await store.create(newExec('e2', { idempotencyKey: 'order-42', name: 'other', input: { v: 9 } }));
    expect(again).toEqual({ head: first.head, created: false });
    expect(await store.get('e2')).toBeUndefined();
    expect((await store.listCheckpoints('e1', { limit: 10 })).items.map((cp) => cp.state)).toEqual([{ v: 0 }]);
    expect((await store.list({ limit: 10 })).items.map((h) => h.id)).toEqual(['e1']);
    const retried = await store.create(newExec('e1', { idempotencyKey: 'order-42', name: 'retried' }));
    expect(retried).toEqual({ head: first.head, created: false });
  });

  it('refuses an id that exists with CONFLICT and keeps the execution as it was', async () => {
    const { store } = await make();
    const exec = newExec('e1');
    const { head } = await store.create(exec);
    await expect(store.create({ ...exec, name: 'again', input: { v: 1 } })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await store.get('e1')).toEqual(head);
    expect((await store.listCheckpoints('e1', { limit: 10 })).items.map((cp) => cp.state)).toEqual([{ v: 0 }]);
  });

  const invalid: [string, NewExecution][] = [
    ['an unsafe id', newExec('../x')],
    ['an unsafe idempotency key', newExec('e1', { idempotencyKey: 'a/b' })],
    ['no workflow', newExec('e1', { workflow: '' })],
    ['a workflow name with a space', newExec('e1', { workflow: 'my flow' })],
    ['no steps', newExec('e1', { stepNames: [] })],
    ['an empty step name', newExec('e1', { stepNames: ['a', ''] })],
    ['metadata that is not a string', newExec('e1', { metadata: { n: 1 } as unknown as Record<string, string> })],
    ['an empty workflow version', newExec('e1', { workflowVersion: '' })],
    ['a workflow version over 64 characters', newExec('e1', { workflowVersion: 'v'.repeat(65) })],
  ];
  it.each(invalid)('refuses %s with VALIDATION_ERROR and writes nothing', async (_, exec) => {
    const { store } = await make();
    await expect(store.create(exec)).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await store.get(exec.id)).toBeUndefined();
    expect((await store.list({ limit: 10 })).items).toEqual([]);
  });

  it('refuses a state that has no JSON form with VALIDATION_ERROR and writes nothing', async () => {
    const { store } = await make();
    const cyclic: Record<string, unknown> = { v: 1 };
    cyclic['self'] = cyclic;
    for (const input of [cyclic, { big: 10n }]) {
      await expect(store.create(newExec('e1', { input }))).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    expect(await store.get('e1')).toBeUndefined();
    expect((await store.list({ limit: 10 })).items).toEqual([]);
  });

  it('refuses a state over the item limit with STATE_TOO_LARGE and writes nothing', async () => {
    const { store } = await make({ maxItemBytes: 2_000 });
    const tooBig = newExec('big', { input: 'x'.repeat(3_000) });
    await expect(store.create(tooBig)).rejects.toMatchObject({
      code: 'STATE_TOO_LARGE',
      details: { limitBytes: 2_000 },
    });
    expect(await store.get('big')).toBeUndefined();
    expect((await store.listCheckpoints('big', { limit: 10 })).items).toEqual([]);
    expect((await store.list({ limit: 10 })).items).toEqual([]);
  });

  it('checks the item limit before the idempotency key and the id', async () => {
    const { store } = await make({ maxItemBytes: 2_000 });
    const { head } = await store.create(newExec('e1', { idempotencyKey: 'k' }));
    const big = { input: 'x'.repeat(3_000) };
    for (const exec of [newExec('e2', { ...big, idempotencyKey: 'k' }), newExec('e1', big)]) {
      await expect(store.create(exec)).rejects.toMatchObject({ code: 'STATE_TOO_LARGE' });
    }
    expect(await store.get('e1')).toEqual(head);
    expect(await store.get('e2')).toBeUndefined();
  });

  it('holds the item limit at 400 KB by default', async () => {
    const { store } = await make();
    const tooBig = newExec('big', { input: 'x'.repeat(401 * 1024) });
    await expect(store.create(tooBig)).rejects.toMatchObject({
      code: 'STATE_TOO_LARGE',
      details: { limitBytes: MAX_ITEM_BYTES },
    });
    expect(await store.get('big')).toBeUndefined();
  });

  it('is not changed by the caller changing what it passed or got back', async () => {
    const { store } = await make();
    const input = { nested: { x: 1 } };
    const { head } = await store.create(newExec('e1', { input }));
    input.nested.x = 2;
    (head.data as { nested: { x: number } }).nested.x = 3;
    head.stepNames.push('extra');
    expect((await store.get('e1'))?.data).toEqual({ nested: { x: 1 } });
    expect((await store.get('e1'))?.stepNames).toEqual(['a', 'b', 'c']);
  });

  it('keeps the last MAX_RECORDED_EVENTS of the events it is created with', async () => {
    const { store } = await make();
    const many = Array.from({ length: 60 }, (_, i) => ({ type: 'step_started' as const, step: i, at: T + i }));
    const { head } = await store.create(newExec('e1', { events: many }));
    expect(head.events).toHaveLength(MAX_RECORDED_EVENTS);
    expect(head.events[0]?.step).toBe(60 - MAX_RECORDED_EVENTS);
    expect(head.events).toEqual(many.slice(-MAX_RECORDED_EVENTS));
    expect((await store.get('e1'))?.events).toEqual(head.events);
  });
}
