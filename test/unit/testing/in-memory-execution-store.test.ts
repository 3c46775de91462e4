import { MAX_RECORDED_EVENTS } from '../../../lib/runtime/model.js';
import { describe, expect, it } from 'vitest';
import { InMemoryExecutionStore } from '../../../lib/testing/in-memory-execution-store.js';
import { LeaseConflictError, StaleTokenError } from '../../../lib/runtime/errors.js';
import type { NewExecution } from '../../../lib/runtime/ports.js';
import { executionStoreContract } from '../../contract/execution-store-contract.js';

const T = 1_000_000;

function newExec(id: string, overrides: Partial<NewExecution> = {}): NewExecution {
  return {
    id,
    name: id,
    workflow: 'wf',
    stepNames: ['a', 'b', 'c'],
    input: { v: 0 },
    now: T,
    metadata: {},
    sweepAt: T + 1000,
    events: [],
    ...overrides,
  };
}

const fence = (id: string, token: number, owner = 'w1', now = T) => ({ id, token, owner, now });
const err = { code: 'STEP_FAILED', message: 'boom' };

describe('InMemoryExecutionStore', () => {
  executionStoreContract(async (options) => {
    const store = new InMemoryExecutionStore(options);
    // One instance is the whole store: another worker's handle is the same object.
    return { store, another: async () => store };
  });

  it('creates a running head at step 0 with checkpoint 0', async () => {
    const store = new InMemoryExecutionStore();
    const { head, created } = await store.create(newExec('e1'));
    expect(created).toBe(true);
    expect(head).toMatchObject({
      state: 'running',
      currentStep: 0,
      totalSteps: 3,
      version: 0,
      claims: 0,
      progress: 0,
      data: { v: 0 },
      sweepAt: T + 1000,
    });
    const cps = await store.listCheckpoints('e1', { limit: 10 });
    expect(cps.items).toEqual([{ id: 'e1/0', executionId: 'e1', step: 0, state: { v: 0 }, timestamp: T }]);
  });

  it('returns the first execution for a repeated idempotency key', async () => {
    const store = new InMemoryExecutionStore();
    await store.create(newExec('e1', { idempotencyKey: 'k' }));
    const again = await store.create(newExec('e2', { idempotencyKey: 'k', input: { v: 9 } }));
    expect(again.created).toBe(false);
    expect(again.head.id).toBe('e1');
    expect(await store.get('e2')).toBeUndefined();
  });

  it('copies values in and out', async () => {
    const store = new InMemoryExecutionStore();
    const input = { nested: { x: 1 } };
    const { head } = await store.create(newExec('e1', { input }));
    input.nested.x = 2;
    (head.data as { nested: { x: number } }).nested.x = 3;
    expect((await store.get('e1'))?.data).toEqual({ nested: { x: 1 } });
  });

  it('claims only a running head at the right step and version without a live lease', async () => {
    const store = new InMemoryExecutionStore();
    await store.create(newExec('e1'));
    expect(await store.claim({ ...fence('e1', 1), step: 0, leaseMs: 100 })).toBeUndefined();
    expect(await store.claim({ ...fence('e1', 0), step: 1, leaseMs: 100 })).toBeUndefined();
    const claimed = await store.claim({ ...fence('e1', 0), step: 0, leaseMs: 100 });
    expect(claimed).toMatchObject({ claims: 1, leaseOwner: 'w1', leaseExpiresAt: T + 100 });
    expect(await store.claim({ ...fence('e1', 0, 'w2', T + 99), step: 0, leaseMs: 100 })).toBeUndefined();
    const reclaimed = await store.claim({ ...fence('e1', 0, 'w2', T + 100), step: 0, leaseMs: 100 });
    expect(reclaimed).toMatchObject({ claims: 2, leaseOwner: 'w2' });
  });

  it('commits with the fence, moving the head on and writing the next checkpoint', async () => {
    const store = new InMemoryExecutionStore();
    await store.create(newExec('e1'));
    await store.claim({ ...fence('e1', 0), step: 0, leaseMs: 100 });
    const head = await store.commit({
      ...fence('e1', 0, 'w1', T + 5),
      step: 0,
      output: { v: 1 },
      sweepAt: T + 50,
      events: [],
    });
    expect(head).toMatchObject({
      state: 'running',
      currentStep: 1,
      version: 1,
      claims: 0,
      data: { v: 1 },
      lastUpdate: T + 5,
      sweepAt: T + 50,
    });
    expect(head.progress).toBeCloseTo(100 / 3);
    expect(head.leaseOwner).toBeUndefined();
    expect(head.leaseExpiresAt).toBeUndefined();
    expect((await store.listCheckpoints('e1', { limit: 1 })).items[0]).toMatchObject({ step: 1, state: { v: 1 } });
  });

  it('refuses a stale token with STALE_TOKEN and another owner with LEASE_CONFLICT, carrying the head', async () => {
    const store = new InMemoryExecutionStore();
    await store.create(newExec('e1'));
    await store.claim({ ...fence('e1', 0), step: 0, leaseMs: 100 });
    const stale = store.commit({ ...fence('e1', 7), step: 0, output: 1, sweepAt: T, events: [] });
    await expect(stale).rejects.toBeInstanceOf(StaleTokenError);
    await expect(stale).rejects.toMatchObject({ code: 'STALE_TOKEN', current: { version: 0 } });
    const other = store.commit({ ...fence('e1', 0, 'w2'), step: 0, output: 1, sweepAt: T, events: [] });
    await expect(other).rejects.toBeInstanceOf(LeaseConflictError);
    await expect(other).rejects.toMatchObject({ code: 'LEASE_CONFLICT', current: { leaseOwner: 'w1' } });
    await expect(store.fail({ ...fence('missing', 0), error: err, events: [] })).rejects.toMatchObject({
      code: 'STALE_TOKEN',
    });
    expect((await store.get('e1'))?.version).toBe(0);
  });

  it('refuses a fenced write after cancel, even by the lease owner', async () => {
    const store = new InMemoryExecutionStore();
    await store.create(newExec('e1'));
    await store.claim({ ...fence('e1', 0), step: 0, leaseMs: 100 });
    const event = { type: 'execution_cancelled' as const, step: 0, at: T };
    await store.transition({
      id: 'e1',
      from: ['running'],
      to: 'cancelled',
      now: T,
      bumpVersion: true,
      end: true,
      event,
      action: 'cancel',
    });
    expect(await store.extendLease({ ...fence('e1', 0), leaseMs: 100 })).toEqual({ lost: true, state: 'cancelled' });
    await expect(store.commit({ ...fence('e1', 0), step: 0, output: 1, sweepAt: T, events: [] })).rejects.toMatchObject(
      { code: 'STALE_TOKEN' },
    );
  });

  it('completes on the last commit, even when paused meanwhile', async () => {
    const store = new InMemoryExecutionStore();
    await store.create(newExec('e1', { stepNames: ['only'] }));
    await store.claim({ ...fence('e1', 0), step: 0, leaseMs: 100 });
    const event = { type: 'paused' as const, step: 0, at: T };
    await store.transition({
      id: 'e1',
      from: ['running'],
      to: 'paused',
      now: T,
      bumpVersion: false,
      event,
      action: 'pause',
    });
    const head = await store.commit({ ...fence('e1', 0), step: 0, output: 'done', sweepAt: T, events: [] });
    expect(head).toMatchObject({ state: 'completed', progress: 100, endTime: T, currentStep: 1 });
    expect(head.sweepAt).toBeUndefined();
  });

  it('releases, fails and parks with the fence', async () => {
    const store = new InMemoryExecutionStore();
    await store.create(newExec('e1'));
    await store.claim({ ...fence('e1', 0), step: 0, leaseMs: 100 });
    const released = await store.releaseForRetry({ ...fence('e1', 0), error: err, sweepAt: T + 9, events: [] });
    expect(released).toMatchObject({ state: 'running', version: 1, claims: 1, error: err, sweepAt: T + 9 });
    expect(released.leaseOwner).toBeUndefined();
    await store.claim({ ...fence('e1', 1), step: 0, leaseMs: 100 });
    const parked = await store.park({ ...fence('e1', 1), error: err, events: [] });
    expect(parked).toMatchObject({ state: 'paused', version: 1, error: err });
    await store.transition({
      id: 'e1',
      from: ['paused'],
      to: 'running',
      now: T,
      bumpVersion: false,
      event: { type: 'resumed', step: 0, at: T },
      action: 'resume',
    });
    await store.claim({ ...fence('e1', 1), step: 0, leaseMs: 100 });
    const failed = await store.fail({ ...fence('e1', 1, 'w1', T + 3), error: err, events: [] });
    expect(failed).toMatchObject({ state: 'failed', version: 2, endTime: T + 3, error: err });
  });

  it('keeps the last MAX_RECORDED_EVENTS recorded events', async () => {
    const store = new InMemoryExecutionStore();
    const many = Array.from({ length: 60 }, (_, i) => ({ type: 'step_started' as const, step: i, at: T }));
    const { head } = await store.create(newExec('e1', { events: many }));
    expect(head.events).toHaveLength(MAX_RECORDED_EVENTS);
    expect(head.events[0]?.step).toBe(60 - MAX_RECORDED_EVENTS);
  });

  it('checks the transition table and reports unknown ids', async () => {
    const store = new InMemoryExecutionStore();
    await store.create(newExec('e1'));
    const event = { type: 'resumed' as const, step: 0, at: T };
    await expect(
      store.transition({
        id: 'e1',
        from: ['paused'],
        to: 'running',
        now: T,
        bumpVersion: false,
        event,
        action: 'resume',
      }),
    ).rejects.toMatchObject({
      code: 'ILLEGAL_TRANSITION',
    });
    await expect(
      store.transition({
        id: 'nope',
        from: ['paused'],
        to: 'running',
        now: T,
        bumpVersion: false,
        event,
        action: 'resume',
      }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('refuses a head or checkpoint over the item limit before writing anything', async () => {
    const store = new InMemoryExecutionStore({ maxItemBytes: 2_000 });
    await expect(store.create(newExec('big', { input: 'x'.repeat(3_000) }))).rejects.toMatchObject({
      code: 'STATE_TOO_LARGE',
    });
    expect(await store.get('big')).toBeUndefined();
    await store.create(newExec('e1'));
    await store.claim({ ...fence('e1', 0), step: 0, leaseMs: 100 });
    await expect(
      store.commit({ ...fence('e1', 0), step: 0, output: 'y'.repeat(3_000), sweepAt: T, events: [] }),
    ).rejects.toMatchObject({
      code: 'STATE_TOO_LARGE',
      details: { limitBytes: 2_000 },
    });
    expect(await store.get('e1')).toMatchObject({ version: 0, currentStep: 0, leaseOwner: 'w1' });
    expect((await store.listCheckpoints('e1', { limit: 10 })).items).toHaveLength(1);
  });

  it('pages checkpoints newest first with a validated token', async () => {
    const store = new InMemoryExecutionStore();
    await store.create(newExec('e1', { stepNames: ['a', 'b', 'c', 'd'] }));
    for (let step = 0; step < 4; step++) {
      await store.claim({ ...fence('e1', step), step, leaseMs: 100 });
      await store.commit({ ...fence('e1', step), step, output: step + 1, sweepAt: T, events: [] });
    }
    const first = await store.listCheckpoints('e1', { limit: 2 });
    expect(first.items.map((c) => c.step)).toEqual([4, 3]);
    expect(first.nextToken).toEqual(expect.any(String));
    const second = await store.listCheckpoints('e1', { limit: 2, nextToken: first.nextToken ?? '' });
    expect(second.items.map((c) => c.step)).toEqual([2, 1]);
    const last = await store.listCheckpoints('e1', { limit: 2, nextToken: second.nextToken ?? '' });
    expect(last.items.map((c) => c.step)).toEqual([0]);
    expect(last.nextToken).toBeUndefined();
    await expect(store.listCheckpoints('e2', { limit: 2, nextToken: first.nextToken ?? '' })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
  });

  it('refuses garbled and forged tokens', async () => {
    const store = new InMemoryExecutionStore();
    for (let i = 0; i < 3; i++) await store.create(newExec(`e${i}`, { now: T + i }));
    const page = await store.list({ limit: 1 });
    const token = page.nextToken ?? '';
    const [payload, tag] = [token.slice(0, -16), token.slice(-16)];
    const forgedPayload = Buffer.from(JSON.stringify({ v: 1, q: 'list:*:*', c: [T + 99, 'zzz'] })).toString(
      'base64url',
    );
    for (const bad of [
      'garbage',
      payload,
      `${forgedPayload}${tag}`,
      `${payload}${'A'.repeat(16)}`,
      `${token}x`,
      `${token}.x`,
    ]) {
      await expect(store.list({ limit: 1, nextToken: bad })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    }
    await expect(store.list({ limit: 1, state: 'running', nextToken: token })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    await expect(store.list({ limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('lists newest first by start time, filtered by state and workflow', async () => {
    const store = new InMemoryExecutionStore();
    await store.create(newExec('old', { now: T }));
    await store.create(newExec('mid', { now: T + 1, workflow: 'other' }));
    await store.create(newExec('new', { now: T + 2 }));
    await store.claim({ ...fence('new', 0), step: 0, leaseMs: 1 });
    await store.fail({ ...fence('new', 0), error: err, events: [] });
    const all: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await store.list({ limit: 2, ...(nextToken === undefined ? {} : { nextToken }) });
      all.push(...page.items.map((h) => h.id));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    expect(all).toEqual(['new', 'mid', 'old']);
    expect((await store.list({ limit: 10, state: 'running' })).items.map((h) => h.id)).toEqual(['mid', 'old']);
    expect((await store.list({ limit: 10, workflow: 'wf' })).items.map((h) => h.id)).toEqual(['new', 'old']);
    expect((await store.list({ limit: 10, workflow: 'wf', state: 'failed' })).items.map((h) => h.id)).toEqual(['new']);
  });

  it('finds only running heads that are due and not leased, oldest due first', async () => {
    const store = new InMemoryExecutionStore();
    await store.create(newExec('due-late', { sweepAt: T + 20 }));
    await store.create(newExec('due-early', { sweepAt: T + 10 }));
    await store.create(newExec('not-due', { sweepAt: T + 1_000 }));
    await store.create(newExec('leased', { sweepAt: T }));
    await store.create(newExec('paused', { sweepAt: T }));
    await store.claim({ ...fence('leased', 0), step: 0, leaseMs: 500 });
    await store.transition({
      id: 'paused',
      from: ['running'],
      to: 'paused',
      now: T,
      bumpVersion: false,
      event: { type: 'paused', step: 0, at: T },
      action: 'pause',
    });
    const found = await store.findStalled({ now: T + 100, dueBefore: T + 100, limit: 10 });
    expect(found.map((h) => h.id)).toEqual(['due-early', 'due-late']);
    expect((await store.findStalled({ now: T + 100, dueBefore: T + 100, limit: 1 })).map((h) => h.id)).toEqual([
      'due-early',
    ]);
    const afterLease = await store.findStalled({ now: T + 500, dueBefore: T + 500, limit: 10 });
    expect(afterLease.map((h) => h.id)).toEqual(['leased', 'due-early', 'due-late']);
  });

  it('deletes only terminal executions, with their checkpoints and idempotency key', async () => {
    const store = new InMemoryExecutionStore();
    await store.create(newExec('e1', { idempotencyKey: 'k' }));
    await expect(store.delete('e1')).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
    await expect(store.delete('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await store.transition({
      id: 'e1',
      from: ['running'],
      to: 'cancelled',
      now: T,
      bumpVersion: true,
      end: true,
      event: { type: 'execution_cancelled', step: 0, at: T },
      action: 'cancel',
    });
    await store.delete('e1');
    expect(await store.get('e1')).toBeUndefined();
    expect((await store.listCheckpoints('e1', { limit: 5 })).items).toEqual([]);
    expect((await store.create(newExec('e2', { idempotencyKey: 'k' }))).created).toBe(true);
  });
});
