import { describe, expect, it } from 'vitest';
import { DynamoDbExecutionStore } from '../../../lib/aws/execution-store/dynamodb-execution-store.js';
import { activeShard } from '../../../lib/aws/schema/table-schema.js';
import type { ExecutionHead, Page } from '../../../lib/runtime/model.js';
import type { ListQuery } from '../../../lib/runtime/ports.js';
import { useAwsResources } from './aws-test-context.js';
import { newExecution, newTestId } from './fixtures.js';

const aws = useAwsResources();

function store(): DynamoDbExecutionStore {
  return new DynamoDbExecutionStore({ client: aws().documentClient, tableName: aws().tableName });
}

/** Every page of a listing, and how many pages it took. */
async function allPages(
  s: DynamoDbExecutionStore,
  query: Omit<ListQuery, 'nextToken'>,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page: Page<ExecutionHead> = await s.list(token === undefined ? query : { ...query, nextToken: token });
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    ids.push(...page.items.map((h) => h.id));
    token = page.nextToken;
    pages++;
  } while (token !== undefined && pages < 50);
  return { ids, pages };
}

describe('DynamoDbExecutionStore queries (emulator)', () => {
  it('lists by workflow, by state, by both and unfiltered, newest first, across pages', async () => {
    const s = store();
    const workflow = `wf-${newTestId()}`;
    const made: { id: string; start: number; state: string }[] = [];
    for (let i = 0; i < 7; i++) {
      const exec = newExecution({ workflow, now: 1_000_000 + i * 1000, stepNames: ['only'] });
      await s.create(exec);
      let state = 'running';
      if (i % 3 === 0) {
        await s.transition({
          id: exec.id,
          from: ['running'],
          to: 'cancelled',
          now: 1,
          bumpVersion: true,
          end: true,
          event: { type: 'execution_cancelled', step: 0, at: 1 },
          action: 'cancel',
        });
        state = 'cancelled';
      }
      made.push({ id: exec.id, start: exec.now, state });
    }
    const newest = [...made].sort((a, b) => b.start - a.start);
    const byWorkflow = await allPages(s, { workflow, limit: 3 });
    expect(byWorkflow.ids).toEqual(newest.map((m) => m.id));
    expect(byWorkflow.pages).toBe(3);
    const cancelled = await allPages(s, { workflow, state: 'cancelled', limit: 2 });
    expect(cancelled.ids).toEqual(newest.filter((m) => m.state === 'cancelled').map((m) => m.id));
    const running = (await allPages(s, { state: 'running', limit: 2 })).ids.filter((id) =>
      made.some((m) => m.id === id),
    );
    expect(running).toEqual(newest.filter((m) => m.state === 'running').map((m) => m.id));
    const everything = (await allPages(s, { limit: 4 })).ids;
    expect(everything.filter((id) => made.some((m) => m.id === id))).toEqual(newest.map((m) => m.id));
    expect(new Set(everything).size).toBe(everything.length);
  });

  it("pages checkpoints newest first and refuses another execution's token", async () => {
    const s = store();
    const exec = newExecution({ stepNames: ['a', 'b', 'c', 'd'] });
    await s.create(exec);
    for (let step = 0; step < 4; step++) {
      await s.claim({ id: exec.id, token: step, owner: 'w', now: step, step, leaseMs: 10 });
      await s.commit({
        id: exec.id,
        token: step,
        owner: 'w',
        now: step + 1,
        step,
        output: { step },
        sweepAt: 0,
        events: [],
      });
    }
    const first = await s.listCheckpoints(exec.id, { limit: 3 });
    expect(first.items.map((cp) => cp.step)).toEqual([4, 3, 2]);
    expect(first.items[0]).toEqual({
      id: `${exec.id}/4`,
      executionId: exec.id,
      step: 4,
      state: { step: 3 },
      timestamp: 4,
    });
    const token = first.nextToken ?? '';
    const second = await s.listCheckpoints(exec.id, { limit: 3, nextToken: token });
    expect(second.items.map((cp) => cp.step)).toEqual([1, 0]);
    expect(second.nextToken).toBeUndefined();
    await expect(s.listCheckpoints(newTestId(), { limit: 3, nextToken: token })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    await expect(s.list({ limit: 3, nextToken: token })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('finds running executions due for a sweep with no live lease, across shards, oldest first', async () => {
    const s = store();
    // Earlier than every other sweep time in this file's table, so the oldest-first checks see only these.
    const base = 100;
    const due: string[] = [];
    const shards = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const exec = newExecution({ now: base, sweepAt: base + 100 + i });
      await s.create(exec);
      due.push(exec.id);
      shards.add(activeShard(exec.id));
    }
    expect(shards.size).toBeGreaterThan(1);
    const later = newExecution({ now: base, sweepAt: base + 10_000 });
    await s.create(later);
    const leased = newExecution({ now: base, sweepAt: base + 50 });
    await s.create(leased);
    await s.claim({ id: leased.id, token: 0, owner: 'w', now: base, step: 0, leaseMs: 5000 });
    const paused = newExecution({ now: base, sweepAt: base + 60 });
    await s.create(paused);
    await s.transition({
      id: paused.id,
      from: ['running'],
      to: 'paused',
      now: base,
      bumpVersion: false,
      event: { type: 'paused', step: 0, at: base },
      action: 'pause',
    });

    const now = base + 1000;
    const found = (await s.findStalled({ now, dueBefore: base + 1000, limit: 100 })).filter(
      (h) => h.startTime === base,
    );
    expect(found.map((h) => h.id)).toEqual(due);
    const firstFive = await s.findStalled({ now, dueBefore: base + 1000, limit: 5 });
    expect(firstFive.map((h) => h.id)).toEqual(due.slice(0, 5));
    const afterLease = (await s.findStalled({ now: base + 6000, dueBefore: base + 1000, limit: 100 })).map((h) => h.id);
    expect(afterLease[0]).toBe(leased.id);
    expect(afterLease).not.toContain(paused.id);
    expect(afterLease).not.toContain(later.id);
  });

  it('reads past leased heads in a shard, so long steps cannot hide a stalled execution behind them', async () => {
    const s = store();
    // Sweep times below every other test's, all in the past, leased ones first in every shard.
    const base = 10;
    const byShard = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const exec = newExecution({ now: base, sweepAt: base + i });
      await s.create(exec);
      await s.claim({ id: exec.id, token: 0, owner: 'long-step', now: base, step: 0, leaseMs: 1_000_000 });
      byShard.set(activeShard(exec.id), (byShard.get(activeShard(exec.id)) ?? 0) + 1);
    }
    const stalled = newExecution({ now: base, sweepAt: base + 45 });
    await s.create(stalled);
    expect(byShard.get(activeShard(stalled.id)) ?? 0).toBeGreaterThan(0);
    const found = await s.findStalled({ now: base + 1_000, dueBefore: base + 46, limit: 1 });
    expect(found.map((h) => h.id)).toEqual([stalled.id]);
    // Leave no due execution behind for other sweeps of this table.
    await s.transition({
      id: stalled.id,
      from: ['running'],
      to: 'cancelled',
      now: base,
      bumpVersion: true,
      end: true,
      event: { type: 'execution_cancelled', step: 0, at: base },
      action: 'cancel',
    });
  });
});
