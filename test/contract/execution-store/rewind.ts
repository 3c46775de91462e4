import { expect, it } from 'vitest';
import { directiveHelpers } from '../../../lib/core/directives.js';
import { legalFrom } from '../../../lib/core/transitions.js';
import type { EpochMs } from '../../../lib/runtime/model.js';
import type { RewindRequest } from '../../../lib/runtime/ports.js';
import {
  T,
  STEP_ERROR,
  cancelOf,
  claimOf,
  commitOf,
  eventAt,
  fence,
  newExec,
  pauseOf,
  runSteps,
  type MakeStore,
} from './fixtures.js';

const FIVE_STEPS = ['a', 'b', 'c', 'd', 'e'];
const waits = directiveHelpers(() => T, ['a', 'b', 'c']);

/** A rewind of `id` to checkpoint `to` at `now`, as the control plane asks for it. */
function rewindOf(id: string, to: number, now: EpochMs = T + 100, extra: Partial<RewindRequest> = {}): RewindRequest {
  return {
    id,
    toCheckpoint: to,
    from: legalFrom('rewind'),
    now,
    sweepAt: now + 1_000,
    event: eventAt('rewound', now, to),
    ...extra,
  };
}

/** ExecutionStore.getCheckpoint, a create that starts later in the list (a fork), and rewind. */
export function rewindContract(make: MakeStore): void {
  it('reads one committed checkpoint with its state, and nothing for a missing one', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { stepNames: FIVE_STEPS }));
    await runSteps(store, 'e1', 2);
    expect(await store.getCheckpoint('e1', 1)).toMatchObject({ id: 'e1/1', seq: 1, step: 1, stepName: 'b', state: 1 });
    expect(await store.getCheckpoint('e1', 0)).toMatchObject({ seq: 0, state: { v: 0 } });
    expect(await store.getCheckpoint('e1', 3)).toBeUndefined();
    expect(await store.getCheckpoint('nope', 0)).toBeUndefined();
    expect(await store.getCheckpoint('../x', 0)).toBeUndefined();
  });

  it('creates an execution that starts at a later step and records where it was forked from', async () => {
    const { store } = await make();
    const { head } = await store.create(
      newExec('f1', { stepNames: FIVE_STEPS, startStep: 3, forkedFrom: { executionId: 'e1', checkpoint: 3 } }),
    );
    expect(head).toMatchObject({ currentStep: 3, stepRuns: 0, progress: 60, version: 0 });
    expect(head.forkedFrom).toEqual({ executionId: 'e1', checkpoint: 3 });
    expect(await store.get('f1')).toEqual(head);
    expect(await store.getCheckpoint('f1', 0)).toMatchObject({ seq: 0, step: 3, stepName: 'd', state: { v: 0 } });
    await store.claim(claimOf('f1', 3, 0));
    expect(await store.commit(commitOf('f1', 3, 0, 'x'))).toMatchObject({ currentStep: 4, stepRuns: 1 });
    await expect(store.create(newExec('f2', { startStep: 3 }))).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await store.get('f2')).toBeUndefined();
  });

  it('keeps the workflow version of a rewound execution (a rewind is the same execution)', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { stepNames: FIVE_STEPS, workflowVersion: 'v1' }));
    await runSteps(store, 'e1', 2);
    await store.transition(pauseOf('e1', T + 10));
    const head = await store.rewind(rewindOf('e1', 1));
    expect(head).toMatchObject({ state: 'running', currentStep: 1, workflowVersion: 'v1' });
    expect(await store.get('e1')).toEqual(head);
  });

  it('rewinds a failed execution: running at the checkpoint, a new checkpoint after the last, the rest superseded', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { stepNames: FIVE_STEPS }));
    await runSteps(store, 'e1', 3);
    await store.claim(claimOf('e1', 3, 3, { owner: 'w9' }));
    const failed = await store.fail({ ...fence('e1', 3, 'w9'), error: STEP_ERROR, events: [] });
    const head = await store.rewind(rewindOf('e1', 1));
    expect(head).toMatchObject({
      state: 'running',
      currentStep: 1,
      progress: 20,
      data: 1,
      version: failed.version + 1,
      claims: 0,
      stepRuns: 4,
      sweepAt: T + 1_100,
      superseded: [[2, 3]],
    });
    for (const gone of ['error', 'endTime', 'leaseOwner', 'wait', 'delivered'] as const)
      expect(head[gone]).toBeUndefined();
    expect(head.events.at(-1)).toEqual(eventAt('rewound', T + 100, 1));
    expect(await store.get('e1')).toEqual(head);
    expect(await store.getCheckpoint('e1', 4)).toMatchObject({
      seq: 4,
      step: 1,
      stepName: 'b',
      state: 1,
      rewoundTo: 1,
    });
    // The checkpoints it went back past stay readable.
    expect(await store.getCheckpoint('e1', 3)).toMatchObject({ seq: 3, state: 3 });
    const listed = await store.listCheckpoints('e1', { limit: 10 });
    expect(listed.items.map((cp) => cp.seq)).toEqual([4, 3, 2, 1, 0]);
    // It runs on under the new version, writing checkpoints after the rewind's.
    expect(await store.findStalled({ now: T + 1_100, dueBefore: T + 1_100, limit: 5 })).toEqual([head]);
    await store.claim(claimOf('e1', 1, head.version, { now: T + 200 }));
    const next = await store.commit(commitOf('e1', 1, head.version, 'again', { now: T + 201 }));
    expect(next).toMatchObject({ currentStep: 2, stepRuns: 5, superseded: [[2, 3]] });
    expect(await store.getCheckpoint('e1', 5)).toMatchObject({ step: 2, state: 'again' });
    expect(await store.getCheckpoint('e1', 2)).toMatchObject({ step: 2, state: 2 });
  });

  it('rewinds with an edited state, from completed and cancelled, and merges superseded ranges', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { stepNames: ['a', 'b'] }));
    await runSteps(store, 'e1', 2);
    expect((await store.get('e1'))?.state).toBe('completed');
    const first = await store.rewind(rewindOf('e1', 1, T + 100, { state: { edited: true } }));
    expect(first).toMatchObject({ state: 'running', currentStep: 1, data: { edited: true }, superseded: [[2, 2]] });
    expect(await store.getCheckpoint('e1', 3)).toMatchObject({ state: { edited: true }, rewoundTo: 1 });
    await store.transition(cancelOf('e1', T + 150));
    const second = await store.rewind(rewindOf('e1', 0, T + 200));
    expect(second).toMatchObject({ state: 'running', currentStep: 0, data: { v: 0 }, stepRuns: 4 });
    expect(second.superseded).toEqual([[1, 3]]);
  });

  it('refuses a rewind from running or waiting, to a missing or final checkpoint, and writes nothing', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { stepNames: ['a', 'b'] }));
    await runSteps(store, 'e1', 1);
    const before = await store.get('e1');
    await expect(store.rewind(rewindOf('e1', 0))).rejects.toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      details: { state: 'running' },
    });
    await expect(store.rewind(rewindOf('nope', 0))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await store.transition(pauseOf('e1', T + 10));
    await expect(store.rewind(rewindOf('e1', 7))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('checkpoint not found: 7 of execution e1') as unknown,
    });
    await store.transition({ ...pauseOf('e1'), action: 'resume', from: legalFrom('resume'), to: 'running' });
    await runSteps2(store);
    await expect(store.rewind(rewindOf('e1', 2))).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((await store.get('e1'))?.version).toBe((before?.version ?? 0) + 1);
  });

  it('marks the checkpoint an event wait began, and refuses to rewind to it: its step would run without the event', async () => {
    const { store } = await make();
    await store.create(newExec('e1'));
    await store.claim(claimOf('e1', 0, 0));
    await store.commit(commitOf('e1', 0, 0, waits.waitForEvent('approval', { state: 'asked' })));
    expect(await store.getCheckpoint('e1', 1)).toMatchObject({ step: 1, state: 'asked', awaits: 'approval' });
    await store.transition(cancelOf('e1', T + 10));
    await expect(store.rewind(rewindOf('e1', 1))).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('began a wait for event "approval"') as unknown,
    });
    expect(await store.rewind(rewindOf('e1', 0))).toMatchObject({ state: 'running', currentStep: 0, stepRuns: 2 });
  });

  it('refuses a rewind when the step-run budget has no room for it', async () => {
    const { store } = await make();
    await store.create(newExec('e1', { maxStepRuns: 3 }));
    await runSteps(store, 'e1', 2);
    await store.claim(claimOf('e1', 2, 2, { owner: 'w9' }));
    await store.fail({ ...fence('e1', 2, 'w9'), error: STEP_ERROR, events: [] });
    await expect(store.rewind(rewindOf('e1', 1))).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('has used 2 of its 3 step runs') as unknown,
    });
  });

  it('refuses an edited state over the item limit with STATE_TOO_LARGE and writes nothing', async () => {
    const { store } = await make({ maxItemBytes: 2_000 });
    await store.create(newExec('e1'));
    await store.transition(pauseOf('e1'));
    const paused = await store.get('e1');
    await expect(store.rewind(rewindOf('e1', 0, T + 1, { state: 'y'.repeat(3_000) }))).rejects.toMatchObject({
      code: 'STATE_TOO_LARGE',
    });
    expect(await store.get('e1')).toEqual(paused);
    expect(await store.getCheckpoint('e1', 1)).toBeUndefined();
  });

  it('makes the commit of a step in flight under a pause stale, and keeps the rewind checkpoint', async () => {
    const { store, another } = await make();
    const worker = await another();
    await store.create(newExec('e1'));
    await worker.claim(claimOf('e1', 0, 0, { owner: 'w1', leaseMs: 10_000 }));
    await store.transition(pauseOf('e1', T + 1));
    const rewound = await store.rewind(rewindOf('e1', 0, T + 2, { state: { fixed: 1 } }));
    expect(rewound).toMatchObject({ state: 'running', version: 1, stepRuns: 1, data: { fixed: 1 } });
    expect(rewound.leaseOwner).toBeUndefined();
    await expect(worker.commit(commitOf('e1', 0, 0, 'late', { owner: 'w1', now: T + 3 }))).rejects.toMatchObject({
      code: 'STALE_TOKEN',
    });
    expect(await store.getCheckpoint('e1', 1)).toMatchObject({ state: { fixed: 1 }, rewoundTo: 0 });
    expect(await store.get('e1')).toEqual(rewound);
  });
}

/** Runs step 1 of `e1` (version 2 after one step and a pause/resume) to completion. */
async function runSteps2(store: Awaited<ReturnType<MakeStore>>['store']): Promise<void> {
  await store.claim(claimOf('e1', 1, 1));
  await store.commit(commitOf('e1', 1, 1, 'done'));
}
