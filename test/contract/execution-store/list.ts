import { expect, it } from 'vitest';
import type { ExecutionState } from '../../../lib/core/execution-state.js';
import type { ListQuery } from '../../../lib/runtime/ports.js';
import { T, STEP_ERROR, allPages, cancelOf, claimOf, fence, newExec, type MakeStore } from './fixtures.js';

/** ExecutionStore.list: newest first, filtered, paged with tokens that only continue their own query. */
export function listContract(make: MakeStore): void {
  it('lists newest first by start time, filtered by state, by workflow and by both', async () => {
    const { store } = await make();
    await store.create(newExec('old', { now: T }));
    await store.create(newExec('mid', { now: T + 1, workflow: 'other' }));
    await store.create(newExec('new', { now: T + 2 }));
    await store.claim(claimOf('new', 0, 0, { leaseMs: 1 }));
    await store.fail({ ...fence('new', 0), error: STEP_ERROR, events: [] });
    const all = await allPages(store, { limit: 2 });
    expect(all.ids).toEqual(['new', 'mid', 'old']);
    expect((await store.list({ limit: 10, state: 'running' })).items.map((h) => h.id)).toEqual(['mid', 'old']);
    expect((await store.list({ limit: 10, workflow: 'wf' })).items.map((h) => h.id)).toEqual(['new', 'old']);
    expect((await store.list({ limit: 10, workflow: 'wf', state: 'failed' })).items.map((h) => h.id)).toEqual(['new']);
    expect((await store.list({ limit: 10, workflow: 'wf', state: 'paused' })).items).toEqual([]);
    expect((await store.list({ limit: 10, workflow: 'none' })).items).toEqual([]);
    expect((await store.list({ limit: 10 })).items[0]).toEqual(await store.get('new'));
  });

  it('pages through more executions than one page holds, by every filter, each once', async () => {
    const { store } = await make();
    const made: { id: string; start: number; state: ExecutionState; workflow: string }[] = [];
    for (let i = 0; i < 7; i++) {
      const id = `x${i}`;
      await store.create(newExec(id, { now: T + i * 1000, stepNames: ['only'] }));
      if (i % 3 === 0) await store.transition(cancelOf(id, 1));
      made.push({ id, start: T + i * 1000, state: i % 3 === 0 ? 'cancelled' : 'running', workflow: 'wf' });
    }
    await store.create(newExec('elsewhere', { now: T + 3_500, workflow: 'other' }));
    made.push({ id: 'elsewhere', start: T + 3_500, state: 'running', workflow: 'other' });
    const newest = (keep: (m: (typeof made)[number]) => boolean): string[] =>
      made
        .filter(keep)
        .sort((a, b) => b.start - a.start)
        .map((m) => m.id);
    const fits = (limit: number) => (page: { items: unknown[] }) => {
      expect(page.items.length).toBeLessThanOrEqual(limit);
    };
    const byWorkflow = await allPages(store, { workflow: 'wf', limit: 3 }, fits(3));
    expect(byWorkflow).toEqual({ ids: newest((m) => m.workflow === 'wf'), pages: 3 });
    const cancelled = await allPages(store, { workflow: 'wf', state: 'cancelled', limit: 2 }, fits(2));
    expect(cancelled.ids).toEqual(newest((m) => m.workflow === 'wf' && m.state === 'cancelled'));
    const running = await allPages(store, { state: 'running', limit: 2 }, fits(2));
    expect(running.ids).toEqual(newest((m) => m.state === 'running'));
    const everything = await allPages(store, { limit: 4 }, fits(4));
    expect(everything.ids).toEqual(newest(() => true));
    expect(new Set(everything.ids).size).toBe(everything.ids.length);
  });

  it('orders executions started at the same time by id, descending, across pages', async () => {
    const { store } = await make();
    for (const id of ['b', 'a-b', 'c', 'a', 'B']) await store.create(newExec(id, { now: T }));
    await store.create(newExec('later', { now: T + 1 }));
    expect((await allPages(store, { limit: 2 })).ids).toEqual(['later', 'c', 'b', 'a-b', 'a', 'B']);
    expect((await allPages(store, { limit: 4, workflow: 'wf' })).ids).toEqual(['later', 'c', 'b', 'a-b', 'a', 'B']);
  });

  it('gives a token only while more executions follow', async () => {
    const { store } = await make();
    for (let i = 0; i < 4; i++) await store.create(newExec(`e${i}`, { now: T + i }));
    const queries: Omit<ListQuery, 'nextToken'>[] = [
      { limit: 4 },
      { limit: 4, state: 'running' },
      { limit: 4, workflow: 'wf' },
    ];
    for (const query of queries) {
      const page = await store.list(query);
      expect(page.items.map((h) => h.id)).toEqual(['e3', 'e2', 'e1', 'e0']);
      expect(page.nextToken).toBeUndefined();
      const first = await store.list({ ...query, limit: 3 });
      expect(first.nextToken).toEqual(expect.any(String));
      const rest = await store.list({ ...query, limit: 3, nextToken: first.nextToken ?? '' });
      expect(rest).toEqual({ items: [await store.get('e0')] });
    }
  });

  it('refuses garbled and edited tokens, and the tokens of another query', async () => {
    const { store } = await make();
    for (let i = 0; i < 3; i++)
      await store.create(newExec(`e${i}`, { now: T + i, workflow: i === 0 ? 'wf' : 'other' }));
    const page = await store.list({ limit: 1 });
    const token = page.nextToken ?? '';
    expect(token).not.toBe('');
    const [payload, tag] = [token.slice(0, -16), token.slice(-16)];
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const edited = Buffer.from(JSON.stringify({ ...body, c: [T + 99, 'zzz'] })).toString('base64url');
    const refused = { code: 'VALIDATION_ERROR' };
    for (const bad of [
      'garbage',
      payload,
      `${edited}${tag}`,
      `${payload}${'A'.repeat(16)}`,
      `${token}x`,
      `${token}.x`,
    ]) {
      await expect(store.list({ limit: 1, nextToken: bad })).rejects.toMatchObject(refused);
    }
    await expect(store.list({ limit: 1, state: 'running', nextToken: token })).rejects.toMatchObject(refused);
    await expect(store.list({ limit: 1, workflow: 'other', nextToken: token })).rejects.toMatchObject(refused);
    const other = (await store.list({ limit: 1, workflow: 'other' })).nextToken ?? '';
    await expect(store.list({ limit: 1, workflow: 'wf', nextToken: other })).rejects.toMatchObject(refused);
    await expect(store.list({ limit: 1, workflow: 'other', state: 'running', nextToken: other })).rejects.toMatchObject(
      refused,
    );
    await expect(store.listCheckpoints('e0', { limit: 1, nextToken: token })).rejects.toMatchObject(refused);
    expect((await store.list({ limit: 1, nextToken: token })).items.map((h) => h.id)).toEqual(['e1']);
  });

  it('refuses a bad limit or filter with VALIDATION_ERROR', async () => {
    const { store } = await make();
    const refused = { code: 'VALIDATION_ERROR' };
    await expect(store.list({ limit: 0 })).rejects.toMatchObject(refused);
    await expect(store.list({ limit: 2.5 })).rejects.toMatchObject(refused);
    await expect(store.list({ limit: 5, state: 'asleep' as ExecutionState })).rejects.toMatchObject(refused);
    await expect(store.list({ limit: 5, workflow: 'my flow' })).rejects.toMatchObject(refused);
  });
}

/** ExecutionStore.list with a name filter: a case-insensitive substring, with the other filters, paged. */
export function listByNameContract(make: MakeStore): void {
  it('keeps only names that contain the filter, ignoring case, with state and workflow', async () => {
    const { store } = await make();
    await store.create(newExec('a', { now: T, name: 'Nightly Report' }));
    await store.create(newExec('b', { now: T + 1, name: 'weekly REPORT', workflow: 'other' }));
    await store.create(newExec('c', { now: T + 2, name: 'invoice run' }));
    await store.create(newExec('d', { now: T + 3, name: 'report card' }));
    await store.transition(cancelOf('d', T + 4));
    const ids = async (query: Omit<ListQuery, 'limit'>) => (await allPages(store, { limit: 10, ...query })).ids;
    expect(await ids({ name: 'report' })).toEqual(['d', 'b', 'a']);
    expect(await ids({ name: 'RePoRt' })).toEqual(['d', 'b', 'a']);
    expect(await ids({ name: 'ly r' })).toEqual(['b', 'a']);
    expect(await ids({ name: 'report', state: 'running' })).toEqual(['b', 'a']);
    expect(await ids({ name: 'report', workflow: 'wf' })).toEqual(['d', 'a']);
    expect(await ids({ name: 'report', workflow: 'wf', state: 'cancelled' })).toEqual(['d']);
    expect(await ids({ name: 'report', workflow: 'other', state: 'cancelled' })).toEqual([]);
    expect(await ids({ name: 'missing' })).toEqual([]);
    expect((await store.list({ limit: 10, name: 'invoice' })).items).toEqual([await store.get('c')]);
  });

  it('pages through a filtered list, each match once, newest first, by every filter', async () => {
    const { store } = await make();
    const matching: string[] = [];
    for (let i = 0; i < 12; i++) {
      const match = i % 3 !== 1;
      const id = `n${String(i).padStart(2, '0')}`;
      await store.create(newExec(id, { now: T + i, name: match ? `Batch ${i}` : `other ${i}` }));
      if (match) matching.unshift(id);
    }
    const queries: Omit<ListQuery, 'limit' | 'nextToken'>[] = [
      { name: 'batch' },
      { name: 'batch', state: 'running' },
      { name: 'batch', workflow: 'wf' },
      { name: 'batch', workflow: 'wf', state: 'running' },
    ];
    for (const query of queries) {
      const paged = await allPages(store, { ...query, limit: 3 }, (page) => {
        expect(page.items.length).toBeLessThanOrEqual(3);
        for (const head of page.items) expect(head.name.toLowerCase()).toContain('batch');
      });
      expect(paged.ids).toEqual(matching);
      expect(paged.pages).toBeGreaterThanOrEqual(3);
    }
  });

  it('binds a token to its name filter: another name, or none, is refused', async () => {
    const { store } = await make();
    for (let i = 0; i < 4; i++) await store.create(newExec(`e${i}`, { now: T + i, name: `job ${i}` }));
    const refused = { code: 'VALIDATION_ERROR' };
    const queries: Omit<ListQuery, 'limit' | 'nextToken'>[] = [{}, { state: 'running' }, { workflow: 'wf' }];
    for (const query of queries) {
      const named = (await store.list({ ...query, limit: 1, name: 'job' })).nextToken ?? '';
      const unnamed = (await store.list({ ...query, limit: 1 })).nextToken ?? '';
      expect(named).not.toBe('');
      await expect(store.list({ ...query, limit: 1, name: 'JOB', nextToken: named })).rejects.toMatchObject(refused);
      await expect(store.list({ ...query, limit: 1, nextToken: named })).rejects.toMatchObject(refused);
      await expect(store.list({ ...query, limit: 1, name: 'job', nextToken: unnamed })).rejects.toMatchObject(refused);
      const next = await store.list({ ...query, limit: 1, name: 'job', nextToken: named });
      expect(next.items.map((h) => h.id)).toEqual(['e2']);
    }
  });

  it('refuses an empty, too long or control-character name filter with VALIDATION_ERROR naming name', async () => {
    const { store } = await make();
    for (const name of ['', 'x'.repeat(129), 'tab\there', 'bell\u0007']) {
      await expect(store.list({ limit: 5, name })).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
        message: expect.stringContaining('name'),
      });
    }
    expect((await store.list({ limit: 5, name: 'x'.repeat(128) })).items).toEqual([]);
  });
}
