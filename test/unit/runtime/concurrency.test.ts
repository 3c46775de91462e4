import { describe, expect, it } from 'vitest';
import type { StepContext } from '../../../lib/core/types.js';
import type { StepMessage } from '../../../lib/runtime/model.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { makeHarness } from './harness.js';

type S = { id: number; sum: number; trail: number[] };

describe('many executions at once', () => {
  it('completes 50 concurrent executions with contiguous checkpoints, each step run once despite duplicate deliveries', async () => {
    const runs = new Map<string, number>();
    const steps = Array.from({ length: 5 }, (_, i) => ({
      name: `add${i}`,
      fn: async (s: S, ctx: StepContext): Promise<S> => {
        const key = `${ctx.executionId}:${i}`;
        runs.set(key, (runs.get(key) ?? 0) + 1);
        for (let k = 0; k < (s.id * 7 + i) % 5; k++) await Promise.resolve(); // interleave
        return { id: s.id, sum: s.sum + s.id * 10 ** i, trail: [...s.trail, i] };
      },
    }));
    const h = makeHarness({ workflows: [defineWorkflow<S>({ name: 'adder', steps })] });
    // Every message is delivered twice, like an at-least-once queue on a bad day.
    const twice = {
      send: async (m: StepMessage, d?: number) => {
        await h.queue.send(m, d);
        await h.queue.send(m, d);
      },
    };
    const started = await Promise.all(
      Array.from({ length: 50 }, (_, id) => h.control.start({ workflow: 'adder', input: { id, sum: 0, trail: [] } })),
    );
    await h.drain({ queue: twice });
    expect(h.outcomes.filter((o) => o.status === 'committed' || o.status === 'completed')).toHaveLength(250);
    expect(h.outcomes.filter((o) => o.status === 'dropped')).toHaveLength(200);
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(runs.size).toBe(250);
    for (const [id, { head }] of started.entries()) {
      const { head: done, checkpoints } = await h.control.get(head.id, { checkpointsLimit: 10 });
      expect(done).toMatchObject({
        state: 'completed',
        version: 5,
        data: { id, sum: id * 11111, trail: [0, 1, 2, 3, 4] },
      });
      expect(checkpoints.items.map((c) => c.step)).toEqual([5, 4, 3, 2, 1, 0]);
      expect(checkpoints.items.map((c) => (c.state as S).trail.length)).toEqual([5, 4, 3, 2, 1, 0]);
    }
  });
});
