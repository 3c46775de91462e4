import { expect, it } from 'vitest';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { StateCounts } from '../../../lib/runtime/ports.js';
import { T, STEP_ERROR, cancelOf, claimOf, fence, newExec, pauseOf, type MakeStore } from './fixtures.js';

/** Every state counted zero but those given. */
function countsOf(given: Partial<Record<ExecutionState, { count: number; capped: boolean }>>): StateCounts {
  const zero = Object.fromEntries(Object.values(ExecutionState).map((s) => [s, { count: 0, capped: false }]));
  return { ...zero, ...given } as StateCounts;
}

/** ExecutionStore.countByState: every state counted, up to the cap. */
export function countByStateContract(make: MakeStore): void {
  it('counts every state, zero for a state with no execution', async () => {
    const { store } = await make();
    expect(await store.countByState({ cap: 10 })).toEqual(countsOf({}));
    for (const id of ['r1', 'r2', 'r3', 'p1', 'c1', 'f1']) await store.create(newExec(id));
    await store.transition(pauseOf('p1'));
    await store.transition(cancelOf('c1'));
    await store.claim(claimOf('f1', 0, 0));
    await store.fail({ ...fence('f1', 0), error: STEP_ERROR, events: [] });
    const counts = await store.countByState({ cap: 10 });
    expect(Object.keys(counts).sort()).toEqual(Object.values(ExecutionState).sort());
    expect(counts).toEqual(
      countsOf({
        running: { count: 3, capped: false },
        paused: { count: 1, capped: false },
        cancelled: { count: 1, capped: false },
        failed: { count: 1, capped: false },
      }),
    );
  });

  it('stops at the cap and says so; a count equal to the cap is exact', async () => {
    const { store } = await make();
    for (let i = 0; i < 5; i++) await store.create(newExec(`r${i}`, { now: T + i }));
    for (let i = 0; i < 2; i++) {
      await store.create(newExec(`c${i}`, { now: T + i }));
      await store.transition(cancelOf(`c${i}`));
    }
    const counts = await store.countByState({ cap: 2 });
    expect(counts.running).toEqual({ count: 2, capped: true });
    expect(counts.cancelled).toEqual({ count: 2, capped: false });
    expect((await store.countByState({ cap: 5 })).running).toEqual({ count: 5, capped: false });
    expect((await store.countByState({ cap: 4 })).running).toEqual({ count: 4, capped: true });
  });

  it('no longer counts a deleted execution', async () => {
    const { store } = await make();
    await store.create(newExec('gone'));
    await store.transition(cancelOf('gone'));
    await store.delete('gone');
    expect(await store.countByState({ cap: 10 })).toEqual(countsOf({}));
  });

  it('refuses a cap outside 1..100000 with VALIDATION_ERROR naming cap', async () => {
    const { store } = await make();
    for (const cap of [0, -1, 1.5, 100_001, Number.NaN]) {
      await expect(store.countByState({ cap })).rejects.toMatchObject({
        code: 'VALIDATION_ERROR',
        message: expect.stringContaining('cap'),
      });
    }
    expect((await store.countByState({ cap: 100_000 })).running).toEqual({ count: 0, capped: false });
  });
}
