import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode, LongRunningError } from '../../../lib/core/errors.js';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { NamedStep, StepContext } from '../../../lib/core/types.js';
import { gate, harness, until, untilWaiting } from './helpers.js';

/** draft (makes a callback token for `approval`, then waits for it) -> publish. */
function withCallback(tokens: string[], seen: StepContext['event'][]): NamedStep<number>[] {
  return [
    {
      name: 'draft',
      fn: (s, ctx) => {
        tokens.push(ctx.callbackToken('approval'));
        return ctx.waitForEvent('approval', { state: s + 1 });
      },
    },
    { name: 'publish', fn: (s, ctx) => (seen.push(ctx.event), s) },
  ];
}

async function notFound(promise: Promise<unknown>): Promise<LongRunningError> {
  const err = await promise.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LongRunningError);
  expect((err as LongRunningError).code).toBe(ErrorCode.NotFound);
  expect((err as LongRunningError).message).toBe('callback not found');
  return err as LongRunningError;
}

describe('Executor callback tokens', () => {
  it('delivers an event of its type with the payload once; a second use is NOT_FOUND', async () => {
    const h = harness();
    const tokens: string[] = [];
    const seen: StepContext['event'][] = [];
    const exec = h.executor.createNamedExecution('cb', withCallback(tokens, seen));
    await h.executor.start(exec.id, 0);
    await untilWaiting(h.executor, exec.id);
    expect(h.executor.getExecution(exec.id)?.openCallbacks).toHaveLength(1);
    const first = await h.executor.completeCallback(tokens[0]!, { approved: true });
    expect(first.delivery).toBe('resumed');
    expect(first.execution.openCallbacks).toEqual([]);
    await notFound(h.executor.completeCallback(tokens[0]!, { approved: false }));
    expect((await h.executor.wait(exec.id)).state).toBe(ExecutionState.Completed);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'approval', payload: { approved: true } });
  });

  it('keeps the event of a callback completed before the wait', async () => {
    const h = harness();
    const hold = gate();
    const tokens: string[] = [];
    const seen: StepContext['event'][] = [];
    const exec = h.executor.createNamedExecution('cb-early', [
      { name: 'link', fn: (s: number, ctx) => (tokens.push(ctx.callbackToken('approval')), s) },
      { name: 'hold', fn: async (s: number) => (await hold.wait, s) },
      ...withCallback([], seen).map((step) => ({ ...step, name: `w-${step.name}` })),
    ]);
    await h.executor.start(exec.id, 0);
    await until(() => h.executor.getExecution(exec.id)?.openCallbacks?.length === 1, 'the link step commits');
    expect((await h.executor.completeCallback(tokens[0]!, 'early')).delivery).toBe('buffered');
    hold.open();
    const done = await h.executor.wait(exec.id);
    expect(done.state).toBe(ExecutionState.Completed);
    expect(seen.map((e) => e?.payload)).toEqual(['early']);
  });

  it('refuses a token once its execution has finished', async () => {
    const h = harness();
    const tokens: string[] = [];
    const exec = h.executor.createNamedExecution('cb-dead', [
      { name: 'link', fn: (s: number, ctx) => (tokens.push(ctx.callbackToken('approval')), s) },
    ]);
    await h.executor.start(exec.id, 0);
    const done = await h.executor.wait(exec.id);
    expect(done.openCallbacks).toBeUndefined();
    await notFound(h.executor.completeCallback(tokens[0]!));
  });

  it('refuses a forged, altered or malformed token, and one of a step that never committed', async () => {
    const h = harness({ maxRetries: 0 });
    const tokens: string[] = [];
    const exec = h.executor.createNamedExecution('cb-bad', [
      {
        name: 'fails',
        fn: (_s: number, ctx) => {
          tokens.push(ctx.callbackToken('approval'));
          throw new Error('no commit');
        },
      },
    ]);
    await h.executor.start(exec.id, 0);
    await h.executor.wait(exec.id);
    await notFound(h.executor.completeCallback(tokens[0]!));
    const [prefix, payload, mac] = tokens[0]!.split('.');
    await notFound(h.executor.completeCallback(`${prefix}.${payload}.${mac!.slice(1)}A`));
    await notFound(h.executor.completeCallback('not a token'));
    await notFound(h.executor.completeCallback(42 as never));
  });

  it('refuses an open callback whose token is signed with another secret', async () => {
    const h = harness({ callbackSecret: 'a'.repeat(32) });
    const tokens: string[] = [];
    const exec = h.executor.createNamedExecution('cb-secret', withCallback(tokens, []));
    await h.executor.start(exec.id, 0);
    await untilWaiting(h.executor, exec.id);
    const [, payload] = tokens[0]!.split('.');
    const forged = createHmac('sha256', 'b'.repeat(32)).update(`cb1.${payload}`).digest('base64url');
    await notFound(h.executor.completeCallback(`cb1.${payload}.${forged}`));
    expect((await h.executor.completeCallback(tokens[0]!)).delivery).toBe('resumed');
  });
});
