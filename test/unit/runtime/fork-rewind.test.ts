import { describe, expect, it } from 'vitest';
import type { StepContext } from '../../../lib/core/types.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { countingSteps, gate, makeHarness, settle } from './harness.js';

type S = { n: number; trail: string[] };
const input: S = { n: 0, trail: [] };

/** Ten counting steps s0..s9; s5 fails while `failing.at5` is true (no retries). */
function tenSteps() {
  const failing = { at5: false };
  const steps = countingSteps(10).map((step, i) =>
    i === 5
      ? {
          name: step.name,
          fn: (s: S, ctx: StepContext) => {
            if (failing.at5) throw new Error('provider down');
            return step.fn(s, ctx);
          },
        }
      : step,
  );
  const h = makeHarness({
    workflows: [
      defineWorkflow<S>({ name: 'ten', steps }),
      defineWorkflow({ name: 'other', steps: countingSteps(2, 'o') }),
    ],
    config: { maxRetries: 0 },
  });
  return { h, failing };
}

describe('ControlPlane.fork', () => {
  it('starts a new execution at the checkpoint with an edited state; the original is untouched', async () => {
    const { h } = tenSteps();
    const { head: original } = await h.control.start({ workflow: 'ten', input, metadata: { team: 'a' } });
    await h.drain();
    const before = await h.control.get(original.id, { checkpointsLimit: 100 });
    expect(before.head.state).toBe('completed');

    const edited: S = { n: 100, trail: ['edited'] };
    const { head: fork, created } = await h.control.fork(original.id, { fromCheckpoint: 6, state: edited });
    expect(created).toBe(true);
    expect(fork).toMatchObject({
      workflow: 'ten',
      name: original.name,
      state: 'running',
      currentStep: 6,
      stepRuns: 0,
      progress: 60,
      data: edited,
      metadata: { team: 'a' },
      forkedFrom: { executionId: original.id, checkpoint: 6 },
    });
    expect(h.queue.sent.at(-1)?.message).toEqual({ v: 1, executionId: fork.id, step: 6, token: 0 });
    await h.drain();
    const done = await h.control.get(fork.id, { checkpointsLimit: 100 });
    expect(done.head.state).toBe('completed');
    expect(done.head.data).toEqual({ n: 104, trail: ['edited', 's6', 's7', 's8', 's9'] });
    expect(done.checkpoints.items.map((cp) => [cp.seq, cp.step])).toEqual([
      [4, 10],
      [3, 9],
      [2, 8],
      [1, 7],
      [0, 6],
    ]);
    expect(await h.control.get(original.id, { checkpointsLimit: 100 })).toEqual(before);
  });

  it('forks with the checkpoint state by default, from an unfinished execution, and forks a fork', async () => {
    const { h, failing } = tenSteps();
    failing.at5 = true;
    const { head: original } = await h.control.start({ workflow: 'ten', input });
    await h.drain();
    expect((await h.control.get(original.id)).head.state).toBe('failed');
    failing.at5 = false;
    const { head: first } = await h.control.fork(original.id, { fromCheckpoint: 2, name: 'variant-a' });
    expect(first).toMatchObject({ name: 'variant-a', currentStep: 2, data: { n: 2, trail: ['s0', 's1'] } });
    const { head: second } = await h.control.fork(first.id, { fromCheckpoint: 0 });
    expect(second).toMatchObject({ currentStep: 2, forkedFrom: { executionId: first.id, checkpoint: 0 } });
    await h.drain();
    for (const id of [first.id, second.id]) {
      expect((await h.control.get(id)).head).toMatchObject({ state: 'completed', data: { n: 10 } });
    }
    expect((await h.control.get(original.id)).head.state).toBe('failed');
  });

  it('runs another list of registered steps from its first, and is idempotent with a key', async () => {
    const { h } = tenSteps();
    const { head: original } = await h.control.start({ workflow: 'ten', input });
    await h.drain();
    const options = { fromCheckpoint: 3, steps: ['o0', 'o1'], idempotencyKey: 'fork-1' };
    const { head: fork } = await h.control.fork(original.id, options);
    expect(fork).toMatchObject({ stepNames: ['o0', 'o1'], currentStep: 0, totalSteps: 2 });
    const again = await h.control.fork(original.id, options);
    expect(again).toMatchObject({ created: false, head: { id: fork.id } });
    await h.drain();
    expect((await h.control.get(fork.id)).head.data).toEqual({ n: 5, trail: ['s0', 's1', 's2', 'o0', 'o1'] });
  });

  it('refuses bad input with the reason, and creates nothing', async () => {
    const { h } = tenSteps();
    const { head } = await h.control.start({ workflow: 'ten', input });
    await h.drain();
    const count = async () => (await h.control.list()).items.length;
    const cases: [unknown, string, RegExp][] = [
      [{ fromCheckpoint: 42 }, 'NOT_FOUND', /checkpoint not found: 42 of execution/],
      [{ fromCheckpoint: -1 }, 'VALIDATION_ERROR', /fromCheckpoint must be a checkpoint's sequence number/],
      [{ fromCheckpoint: 1, state: { at: new Date(0) } }, 'VALIDATION_ERROR', /state must be JSON-serializable/],
      [{ fromCheckpoint: 1, state: 1n }, 'VALIDATION_ERROR', /state must be JSON-serializable/],
      [{ fromCheckpoint: 10 }, 'VALIDATION_ERROR', /final state: no step runs on from it/],
      [{ fromCheckpoint: 1, steps: ['nope'] }, 'VALIDATION_ERROR', /step "nope" is not registered/],
      [{ fromCheckpoint: 1, colour: 'red' }, 'VALIDATION_ERROR', /unknown fork option "colour"/],
      [null, 'VALIDATION_ERROR', /fork options must be an object/],
    ];
    for (const [options, code, message] of cases) {
      await expect(h.control.fork(head.id, options as never)).rejects.toMatchObject({
        code,
        message: expect.stringMatching(message) as unknown,
      });
    }
    await expect(h.control.fork('exec_nope', { fromCheckpoint: 0 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await count()).toBe(1);
  });
});

describe('ControlPlane.rewind', () => {
  it('takes a failed execution back to checkpoint 3: steps 3-9 run again, 4 and 5 are superseded', async () => {
    const { h, failing } = tenSteps();
    failing.at5 = true;
    const { head: started } = await h.control.start({ workflow: 'ten', input });
    await h.drain();
    const failed = (await h.control.get(started.id)).head;
    expect(failed).toMatchObject({ state: 'failed', currentStep: 5, stepRuns: 5 });
    failing.at5 = false;

    const { head, changed } = await h.control.rewind(started.id, { toCheckpoint: 3 });
    expect(changed).toBe(true);
    expect(head).toMatchObject({ state: 'running', currentStep: 3, stepRuns: 6, version: failed.version + 1 });
    expect(head.error).toBeUndefined();
    expect(h.queue.sent.at(-1)?.message).toEqual({ v: 1, executionId: started.id, step: 3, token: head.version });
    expect(h.events.filter((e) => e.type === 'rewound')).toMatchObject([{ execId: started.id, step: 3 }]);
    await h.drain();
    const done = await h.control.get(started.id, { checkpointsLimit: 100 });
    expect(done.head).toMatchObject({ state: 'completed', stepRuns: 13, superseded: [[4, 5]] });
    expect(done.head.data).toEqual({ n: 10, trail: countingSteps(10).map((s) => s.name) });
    expect(done.checkpoints.items.map((cp) => [cp.seq, cp.step, cp.superseded ?? false, cp.rewoundTo])).toEqual([
      [13, 10, false, undefined],
      [12, 9, false, undefined],
      [11, 8, false, undefined],
      [10, 7, false, undefined],
      [9, 6, false, undefined],
      [8, 5, false, undefined],
      [7, 4, false, undefined],
      [6, 3, false, 3],
      [5, 5, true, undefined],
      [4, 4, true, undefined],
      [3, 3, false, undefined],
      [2, 2, false, undefined],
      [1, 1, false, undefined],
      [0, 0, false, undefined],
    ]);
    // A superseded checkpoint is not in its history any more: nothing runs on from it.
    const versionBefore = done.head.version;
    await expect(h.control.rewind(started.id, { toCheckpoint: 4 })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      message: expect.stringContaining('checkpoint 4 of execution') as unknown,
    });
    expect((await h.control.get(started.id)).head.version).toBe(versionBefore);
  });

  it('runs on with an edited state, and a step in flight under a pause never commits over it', async () => {
    const entered = gate<StepContext>();
    const release = gate<undefined>();
    const [a, b, c] = countingSteps(3);
    const slow = {
      name: b!.name,
      fn: async (s: S, ctx: StepContext) => {
        entered.open(ctx);
        await release.promise;
        return b!.fn(s, ctx);
      },
    };
    const h = makeHarness({ workflows: [defineWorkflow<S>({ name: 'gated', steps: [a!, slow, c!] })] });
    const { head } = await h.control.start({ workflow: 'gated', input });
    await h.process(h.queue.receive()[0]?.message); // s0
    const inFlight = h.process(h.queue.receive()[0]?.message); // s1 waits on the gate
    await entered.promise;
    await h.control.pause(head.id);
    const { head: rewound } = await h.control.rewind(head.id, { toCheckpoint: 0, state: { n: 50, trail: ['fix'] } });
    expect(rewound).toMatchObject({ state: 'running', currentStep: 0, data: { n: 50, trail: ['fix'] } });
    release.open(undefined);
    expect(await inFlight).toMatchObject({ status: 'dropped', step: 1, reason: 'superseded' });
    await settle();
    await h.drain();
    const done = await h.control.get(head.id, { checkpointsLimit: 100 });
    expect(done.head).toMatchObject({ state: 'completed', data: { n: 53, trail: ['fix', 's0', 's1', 's2'] } });
    expect(done.checkpoints.items.find((cp) => cp.rewoundTo === 0)).toMatchObject({ state: { n: 50, trail: ['fix'] } });
  });

  it('refuses a running or waiting execution (409), a missing checkpoint (404) and a bad state (400)', async () => {
    const { h } = tenSteps();
    const { head } = await h.control.start({ workflow: 'ten', input });
    await expect(h.control.rewind(head.id, { toCheckpoint: 0 })).rejects.toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      message: expect.stringContaining('allowed from: paused, failed, cancelled, completed') as unknown,
    });
    await h.control.pause(head.id);
    await expect(h.control.rewind(head.id, { toCheckpoint: 3 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.control.rewind('exec_missing', { toCheckpoint: 0 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'execution not found: exec_missing',
    });
    await expect(h.control.rewind(head.id, { toCheckpoint: 0, state: () => 1 })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
    });
    await expect(h.control.rewind(head.id, { toCheckpoint: 1.5 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((await h.control.get(head.id)).head).toMatchObject({ state: 'paused', version: 0 });
  });
});

describe('a state too large for the store', () => {
  it('fails a fork or a rewind with STATE_TOO_LARGE naming the size, and writes nothing', async () => {
    const h = makeHarness({
      workflows: [defineWorkflow<S>({ name: 'ten', steps: countingSteps(10) })],
      maxItemBytes: 20_000,
    });
    const { head } = await h.control.start({ workflow: 'ten', input });
    await h.drain();
    const huge: S = { n: 1, trail: ['x'.repeat(50_000)] };
    const before = await h.control.get(head.id, { checkpointsLimit: 100 });
    await expect(h.control.fork(head.id, { fromCheckpoint: 2, state: huge })).rejects.toMatchObject({
      code: 'STATE_TOO_LARGE',
      message: expect.stringMatching(/\d+ bytes/) as unknown,
    });
    await expect(h.control.rewind(head.id, { toCheckpoint: 2, state: huge })).rejects.toMatchObject({
      code: 'STATE_TOO_LARGE',
    });
    // No fork was created and the original kept its head and checkpoints.
    expect((await h.control.list()).items.map((e) => e.id)).toEqual([head.id]);
    expect(await h.control.get(head.id, { checkpointsLimit: 100 })).toEqual(before);
  });
});
