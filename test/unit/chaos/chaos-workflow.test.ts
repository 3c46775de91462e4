import { describe, expect, it } from 'vitest';
import { WorkflowRegistry, type StepContext } from '../../../lib/index.js';
import { testStepContext } from '../../../lib/testing/index.js';
import { StepDirective } from '../../../lib/core/directives.js';
import {
  BALLAST_BYTES,
  chaosBallast,
  CHAOS_EVENT,
  CHAOS_WAIT_TIMEOUT_MS,
  chaosEventId,
  chaosInput,
  chaosWorkflow,
  chaosWorkflowName,
  expectedState,
  foldStep,
  OVERSIZE_BYTES,
} from '../../chaos/chaos-workflow.js';

const ctx = (step: number): StepContext => testStepContext({ executionId: 'exec_x', step });

describe('the chaos fold', () => {
  it('records each step index in order and folds them into the hash', () => {
    const s = expectedState(chaosInput(7), 3);
    expect(s.trace).toEqual([0, 1, 2]);
    expect(s).toEqual(foldStep(foldStep(foldStep(chaosInput(7), 0), 1), 2));
  });

  it('gives a different hash when a step is applied twice or skipped', () => {
    const input = chaosInput(7);
    const right = expectedState(input, 3).acc;
    const doubled = foldStep(foldStep(foldStep(foldStep(input, 0), 1), 1), 2).acc;
    const skipped = foldStep(foldStep(input, 0), 2).acc;
    expect(new Set([right, doubled, skipped]).size).toBe(3);
  });

  it("carries a large execution's ballast through every step, unchanged, its state over 32 KiB", () => {
    const ballast = chaosBallast(7);
    expect(ballast).toHaveLength(BALLAST_BYTES);
    expect(chaosBallast(8)).not.toBe(ballast);
    const input = chaosInput(7, undefined, undefined, ballast);
    expect(input.ballast).toBe(ballast);
    expect(foldStep(input, 0).ballast).toBe(ballast);
    const s = expectedState(input, 4);
    expect(s.ballast).toBe(ballast);
    expect({ ...s, ballast: undefined }).toEqual({ ...expectedState(chaosInput(7), 4), ballast: undefined });
    expect(Buffer.byteLength(JSON.stringify(s))).toBeGreaterThan(32 * 1024);
    expect('ballast' in expectedState(chaosInput(7), 4)).toBe(false);
  });

  it('depends on the seed', () => {
    expect(expectedState(chaosInput(1), 4).acc).not.toBe(expectedState(chaosInput(2), 4).acc);
  });
});

describe('the chaos workflow', () => {
  const workflow = chaosWorkflow(3);
  const step = (i: number) => workflow.steps[i]!.fn;

  it('has one step per index, each folding its own index', async () => {
    expect(workflow.name).toBe(chaosWorkflowName(3));
    expect(new WorkflowRegistry().register(workflow).get('chaos-3')).toBe(workflow);
    expect(await step(1)(expectedState(chaosInput(5), 1), ctx(1))).toEqual(expectedState(chaosInput(5), 2));
  });

  it('throws, or returns an oversized state, when the worker says so', async () => {
    const faulty = (kind: 'throw' | 'oversize') =>
      chaosWorkflow(2, { fault: () => kind, workMs: () => 0 }).steps[0]!.fn;
    await expect(faulty('throw')(chaosInput(1), ctx(0))).rejects.toThrow(/chaos: injected failure of step 0/);
    const big = (await faulty('oversize')(chaosInput(1), ctx(0))) as { pad: string };
    expect(big.pad.length).toBe(OVERSIZE_BYTES);
  });

  it('fails a poisoned step on every attempt until the poison wears off, and carries the poison along', async () => {
    const now = Date.now();
    const fresh = chaosInput(3, { step: 1, until: now + 60_000 });
    const worn = chaosInput(3, { step: 1, until: now - 1 });
    expect(expectedState(fresh, 2).poison).toEqual({ step: 1, until: now + 60_000 });
    await expect(step(0)(fresh, ctx(0))).resolves.toEqual(expectedState(fresh, 1));
    await expect(step(1)(expectedState(fresh, 1), ctx(1))).rejects.toThrow(/step 1, poisoned/);
    await expect(step(1)(expectedState(worn, 1), ctx(1))).resolves.toEqual(expectedState(worn, 2));
  });

  it('hangs past its deadline, ignoring its signal, when told to hang', async () => {
    const hang = chaosWorkflow(1, { fault: () => 'hang', workMs: () => 0 }, 50).steps[0]!.fn;
    const controller = new AbortController();
    const running = hang(chaosInput(1), { ...ctx(0), signal: controller.signal });
    controller.abort(new Error('deadline'));
    await expect(running).resolves.toEqual(expectedState(chaosInput(1), 1));
  });

  it('commits the named steps with a sleep and an event wait, and records the event the next step was handed', async () => {
    const waits = { sleep: { step: 0, ms: 1_500 }, event: { step: 1 } };
    const input = chaosInput(9, undefined, waits);
    const at = 1_000_000;
    const slept = await step(0)(input, testStepContext({ step: 0, now: () => at }));
    expect(slept).toBeInstanceOf(StepDirective);
    expect(slept).toMatchObject({ state: expectedState(input, 1), spec: { kind: 'sleep', until: at + 1_500 } });
    const waited = await step(1)(expectedState(input, 1), ctx(1));
    expect(waited).toMatchObject({
      state: expectedState(input, 2),
      spec: { kind: 'wait', eventType: CHAOS_EVENT, timeoutMs: CHAOS_WAIT_TIMEOUT_MS },
    });
    const event = { id: chaosEventId(9), type: CHAOS_EVENT, payload: null, receivedAt: at };
    const heard = await step(2)(expectedState(input, 2), testStepContext({ step: 2, event }));
    expect(heard).toEqual(expectedState(input, 3));
    expect(expectedState(input, 3).heard).toBe('go-9');
    const deaf = (await step(2)(expectedState(input, 2), ctx(2))) as { heard: string };
    expect(deaf.heard).toBe('none');
    expect(expectedState(input, 2).heard).toBeUndefined();
  });
});
