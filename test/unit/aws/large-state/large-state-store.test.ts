import { describe, expect, it } from 'vitest';
import { LargeStateExecutionStore } from '../../../../lib/aws/large-state/large-state-store.js';
import { STATE_REF_FIELD, StoredStateRef } from '../../../../lib/aws/large-state/state-ref.js';
import { StepDirective } from '../../../../lib/core/directives.js';
import { ErrorCode, LongRunningError } from '../../../../lib/core/errors.js';
import { InMemoryExecutionStore } from '../../../../lib/testing/in-memory-execution-store.js';
import { claimOf, commitOf, newExec, T } from '../../../contract/execution-store/fixtures.js';
import { MemoryStateObjects } from '../../../support/memory-state-objects.js';

function setup(options: { thresholdBytes?: number; maxStateBytes?: number } = {}) {
  const inner = new InMemoryExecutionStore();
  const objects = new MemoryStateObjects();
  const make = () => new LargeStateExecutionStore(inner, { objects, thresholdBytes: 100, ...options });
  return { inner, objects, store: make(), make };
}

const big = (tag: string) => ({ tag, text: 'x'.repeat(500) });

describe('LargeStateExecutionStore', () => {
  it('keeps a state at or under the threshold in the table and writes no object', async () => {
    const { store, objects, inner } = setup({ thresholdBytes: 12 });
    const { head } = await store.create(newExec('e1', { input: { v: 'abcdef' } })); // {"v":"abcdef"} is 14 bytes
    expect(head.data).toBeInstanceOf(StoredStateRef);
    const small = await store.create(newExec('e2', { input: { v: 'ab' } })); // 10 bytes
    expect(small.head.data).toEqual({ v: 'ab' });
    expect((await inner.get('e2'))?.data).toEqual({ v: 'ab' });
    expect(objects.keys('executions/e2/')).toEqual([]);
  });

  it('removes the object it wrote for a start whose idempotency key named an earlier execution', async () => {
    const { store, objects } = setup();
    await store.create(newExec('e1', { input: big('in'), idempotencyKey: 'k1' }));
    const again = await store.create(newExec('e2', { input: big('other'), idempotencyKey: 'k1' }));
    expect(again).toMatchObject({ created: false, head: { id: 'e1' } });
    expect(objects.keys('executions/e2/')).toEqual([]);
    expect(objects.keys('executions/e1/')).toHaveLength(1);
  });

  it('stores a large state once, content-addressed, and the table only its reference', async () => {
    const { store, objects, inner } = setup();
    await store.create(newExec('e1', { input: big('in') }));
    const [key] = objects.keys();
    expect(key).toMatch(/^executions\/e1\/[0-9a-f]{64}\.json$/);
    expect(JSON.parse(objects.objects.get(key ?? '') ?? '')).toEqual(big('in'));
    const stored = (await inner.get('e1'))?.data as Record<string, unknown>;
    expect(Object.keys(stored)).toEqual([STATE_REF_FIELD]);
    expect(stored[STATE_REF_FIELD]).toMatchObject({ key, bytes: JSON.stringify(big('in')).length });
  });

  it('reads the object once on claim, and not at all for a state this instance wrote', async () => {
    const { store, objects, make } = setup();
    await store.create(newExec('e1', { input: big('in') }));
    expect((await store.claim(claimOf('e1', 0, 0)))?.data).toEqual(big('in'));
    expect(objects.calls.filter((c) => c.startsWith('get'))).toEqual([]);
    await store.commit(commitOf('e1', 0, 0, big('out'), { now: T + 1 }));
    const other = make(); // another Lambda instance: a cold cache
    expect((await other.claim(claimOf('e1', 1, 1, { owner: 'w2', now: T + 2 })))?.data).toEqual(big('out'));
    expect(objects.calls.filter((c) => c.startsWith('get'))).toHaveLength(1);
  });

  it('offloads the state a directive carries and keeps the directive', async () => {
    const { store } = setup();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    const head = await store.commit(
      commitOf('e1', 0, 0, new StepDirective(big('asleep'), { kind: 'sleep', until: T + 60_000 }), { now: T + 1 }),
    );
    expect(head).toMatchObject({ state: 'waiting', wait: { kind: 'sleep', until: T + 60_000 } });
    expect(await store.readState(head.data)).toEqual(big('asleep'));
  });

  it('offloads a small user state shaped like a reference, so it reads back as the user wrote it', async () => {
    const { store, objects } = setup();
    const lookalike = { [STATE_REF_FIELD]: { key: 'executions/other/secret.json', bytes: 1, sha256: 'ab' } };
    objects.objects.set('executions/other/secret.json', '"not yours"');
    const { head } = await store.create(newExec('e1', { input: lookalike }));
    expect(head.data).toBeInstanceOf(StoredStateRef);
    expect((head.data as StoredStateRef).key).toMatch(/^executions\/e1\//);
    expect((await store.claim(claimOf('e1', 0, 0)))?.data).toEqual(lookalike);
  });

  it('refuses a state over maxStateBytes with STATE_TOO_LARGE before writing anything', async () => {
    const { store, objects } = setup({ maxStateBytes: 1_000 });
    await store.create(newExec('e1'));
    const claimed = await store.claim(claimOf('e1', 0, 0));
    await expect(store.commit(commitOf('e1', 0, 0, { t: 'x'.repeat(1_000) }))).rejects.toMatchObject({
      code: 'STATE_TOO_LARGE',
      details: { limitBytes: 1_000 },
    });
    expect(await store.get('e1')).toEqual(claimed);
    expect(objects.keys()).toEqual([]);
  });

  it('writes nothing to the table when the object write fails', async () => {
    const { store, objects } = setup();
    await store.create(newExec('e1'));
    const claimed = await store.claim(claimOf('e1', 0, 0));
    objects.failing.put = Object.assign(new Error('SlowDown'), { name: 'SlowDown' });
    await expect(store.commit(commitOf('e1', 0, 0, big('out')))).rejects.toThrow('SlowDown');
    expect(await store.get('e1')).toEqual(claimed);
    expect((await store.listCheckpoints('e1', { limit: 10 })).items).toHaveLength(1);
  });

  it('fails the execution with CORRUPT_RECORD when the object does not match its reference or is outside the execution', async () => {
    const { store, objects, make, inner } = setup();
    await store.create(newExec('e1', { input: big('in') }));
    const [key = ''] = objects.keys();
    objects.objects.set(key, JSON.stringify(big('tampered')));
    await expect(make().claim(claimOf('e1', 0, 0))).resolves.toBeUndefined();
    const failed = await store.get('e1');
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'CORRUPT_RECORD' } });
    expect(failed?.error?.message).toMatch(/does not match its reference/);
    expect(failed?.events.map((e) => e.type)).toEqual(['step_failed', 'execution_failed']);

    await store.create(newExec('e2'));
    const head = await inner.get('e2');
    const foreign = { [STATE_REF_FIELD]: { key, bytes: 1, sha256: 'ab' } };
    await inner.replaceHead({ base: head!, next: { ...head!, data: foreign } });
    await expect(make().claim(claimOf('e2', 0, 0))).resolves.toBeUndefined();
    expect(await store.get('e2')).toMatchObject({ state: 'failed', error: { code: 'CORRUPT_RECORD' } });
  });

  it('tries a transient object read again, then throws it as not retryable so the step never runs on a reference', async () => {
    const { store, objects, make } = setup();
    await store.create(newExec('e1', { input: big('in') }));
    objects.failing.get = new LongRunningError(ErrorCode.StoreUnavailable, 'busy', { retryable: true });
    const claim = make().claim(claimOf('e1', 0, 0));
    await expect(claim).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', retryable: false });
    await expect(claim).rejects.toThrow(/could not be read after the claim \(busy\)/);
    expect(objects.calls.filter((c) => c.startsWith('get'))).toHaveLength(3);
    expect(await store.get('e1')).toMatchObject({ state: 'running', claims: 1 });
  });

  it('reads the state after a transient failure that passes', async () => {
    const { store, objects, make } = setup();
    await store.create(newExec('e1', { input: big('in') }));
    const worker = make();
    const read = objects.get.bind(objects);
    let failures = 1;
    objects.get = async (key) => {
      if (failures-- > 0) throw new LongRunningError(ErrorCode.StoreUnavailable, 'busy', { retryable: true });
      return read(key);
    };
    expect((await worker.claim(claimOf('e1', 0, 0)))?.data).toEqual(big('in'));
    expect(failures).toBe(-1);
  });

  it('deletes the objects with the execution, and finishes an interrupted delete on the next call', async () => {
    const { store, objects } = setup();
    await store.create(newExec('e1', { input: big('in') }));
    await store.create(newExec('e10', { input: big('other') }));
    await store.transition({
      id: 'e1',
      from: ['running'],
      to: 'cancelled',
      now: T + 1,
      bumpVersion: true,
      end: true,
      event: { type: 'execution_cancelled', step: 0, at: T + 1 },
      action: 'cancel',
    });
    objects.failing.deletePrefix = new Error('network down');
    await expect(store.delete('e1')).rejects.toThrow('network down');
    expect(objects.keys('executions/e1/')).toHaveLength(1);
    objects.failing = {};
    await expect(store.delete('e1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(objects.keys('executions/e1/')).toEqual([]);
    expect(objects.keys('executions/e10/')).toHaveLength(1);
  });

  it.each([
    [{ thresholdBytes: -1 }, /thresholdBytes must be a whole number/],
    [{ maxStateBytes: 0 }, /maxStateBytes must be a whole number/],
    [{ thresholdBytes: 2_000, maxStateBytes: 1_000 }, /maxStateBytes must not be below thresholdBytes/],
    [{ prefix: 'bad prefix' }, /prefix must be/],
    [{ cacheBytes: 1.5 }, /cacheBytes must be a whole number/],
  ])('refuses the options %o with VALIDATION_ERROR', (options, message) => {
    expect(
      () =>
        new LargeStateExecutionStore(new InMemoryExecutionStore(), { objects: new MemoryStateObjects(), ...options }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR', message: expect.stringMatching(message) }));
  });
});
