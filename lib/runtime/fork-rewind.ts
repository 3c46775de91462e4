import { NotFoundError, ValidationError } from '../core/errors.js';
import { EventType } from '../core/events.js';
import { ExecutionState } from '../core/execution-state.js';
import type { ForkOptions, RewindOptions } from '../core/types.js';
import { assertSafeId, newExecutionId } from '../core/ids.js';
import { checkOptions } from '../core/options.js';
import { assertJsonValue } from '../core/json.js';
import { assertExecutionName } from '../core/step-list.js';
import { legalFrom } from '../core/transitions.js';
import { emitEvents, recordedEvent } from './lifecycle-events.js';
import type { ExecutionHead } from './model.js';
import type { ResolvedRuntime } from './runtime-config.js';
import { stepMessage } from './step-message.js';
import { assertCheckpointSeq, assertRunsOnFrom, checkpointNotFound } from './store-rules.js';

/** What {@link ControlPlane.fork} takes: the fork options of the Executor and an idempotency key. */
export interface ForkRequest extends ForkOptions {
  /** Forking twice with the same key returns the first fork (same rules as an execution id). */
  idempotencyKey?: string;
}

const FORK_KEYS = new Set(['fromCheckpoint', 'state', 'name', 'steps', 'idempotencyKey']);
const REWIND_KEYS = new Set(['toCheckpoint', 'state']);

/**
 * A new execution from checkpoint `fromCheckpoint` of `id` (see ControlPlane.fork):
 * the original is only read. Its first step is sent as for a start.
 */
export async function forkExecution(
  rt: ResolvedRuntime,
  id: string,
  options: ForkRequest,
): Promise<{ head: ExecutionHead; created: boolean }> {
  checkOptions(options, 'fork', FORK_KEYS);
  const { fromCheckpoint, state, name, steps, idempotencyKey } = options;
  assertCheckpointSeq(fromCheckpoint, 'fromCheckpoint');
  if (state !== undefined) assertJsonValue(state, 'state');
  if (name !== undefined) assertExecutionName(name);
  if (idempotencyKey !== undefined) assertSafeId(idempotencyKey, 'idempotencyKey');
  const stepNames = steps === undefined ? undefined : registeredSteps(rt, steps);
  const source = await rt.store.get(assertSafeId(id));
  if (!source) throw new NotFoundError('execution', id);
  const cp = await rt.store.getCheckpoint(id, fromCheckpoint);
  if (!cp) throw checkpointNotFound(id, fromCheckpoint);
  if (stepNames === undefined) assertRunsOnFrom(cp, source);
  const list = stepNames ?? source.stepNames;
  const startStep = stepNames === undefined ? cp.step : 0;
  for (const step of list.slice(startStep)) {
    if (rt.workflows.step(step) === undefined)
      throw new ValidationError(`step ${JSON.stringify(step)} of the fork is not registered`, { step });
  }
  // The fork runs the code deployed now: it records that workflow's version (none when
  // the workflow has none or is no longer registered), not the original's.
  const workflowVersion = rt.workflows.get(source.workflow)?.version;
  const now = rt.clock.now();
  const result = await rt.store.create({
    id: newExecutionId(),
    name: name ?? source.name,
    workflow: source.workflow,
    stepNames: [...list],
    input: state === undefined ? cp.state : state,
    now,
    sweepAt: now + rt.stallAfterMs,
    metadata: { ...source.metadata },
    events: [],
    maxStepRuns: source.maxStepRuns,
    startStep,
    forkedFrom: { executionId: id, checkpoint: fromCheckpoint },
    // A fork keeps the original's budget and starts with no usage: it counts what it runs.
    ...(source.budget === undefined ? {} : { budget: { ...source.budget } }),
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
    ...(workflowVersion === undefined ? {} : { workflowVersion }),
  });
  const { head } = result;
  if (result.created || neverClaimed(head)) await rt.queue.send(stepMessage(head.id, head.currentStep, 0));
  return result;
}

/**
 * Execution `id` back at its checkpoint `toCheckpoint`, running on from there (see
 * ControlPlane.rewind): one write of the store, then the step message of the new
 * version. With `expectVersion`, only while the head is at that version (CONFLICT).
 */
export async function rewindExecution(
  rt: ResolvedRuntime,
  id: string,
  options: RewindOptions,
  expectVersion?: number,
): Promise<{ head: ExecutionHead; changed: true }> {
  checkOptions(options, 'rewind', REWIND_KEYS);
  const { toCheckpoint, state } = options;
  assertCheckpointSeq(toCheckpoint, 'toCheckpoint');
  if (state !== undefined) assertJsonValue(state, 'state');
  assertSafeId(id);
  const before = await rt.store.get(id);
  if (!before) throw new NotFoundError('execution', id);
  // The steps it runs on from must be registered here, or the worker parks it at once.
  for (const step of before.stepNames) {
    if (rt.workflows.step(step) === undefined)
      throw new ValidationError(`step ${JSON.stringify(step)} of execution ${id} is not registered`, { step });
  }
  const now = rt.clock.now();
  // The store writes the event with the checkpoint's step (and checks everything again in its write).
  const event = recordedEvent(EventType.Rewound, 0, now);
  const head = await rt.store.rewind({
    id,
    toCheckpoint,
    ...(state === undefined ? {} : { state }),
    from: legalFrom('rewind'),
    ...(expectVersion === undefined ? {} : { expectVersion }),
    now,
    sweepAt: now + rt.stallAfterMs,
    event,
  });
  await rt.queue.send(stepMessage(id, head.currentStep, head.version));
  emitEvents(rt, id, [{ ...event, step: head.currentStep }], { state: head.data });
  return { head, changed: true };
}

/** Created and never claimed: the first step's message may never have been sent. */
export function neverClaimed(head: ExecutionHead): boolean {
  return head.state === ExecutionState.Running && head.version === 0 && head.stepRuns === 0 && head.claims === 0;
}

function registeredSteps(rt: ResolvedRuntime, steps: unknown): string[] {
  if (!Array.isArray(steps) || steps.length === 0)
    throw new ValidationError('steps must be a non-empty list of step names');
  return (steps as unknown[]).map((step) => {
    if (typeof step !== 'string' || rt.workflows.step(step) === undefined)
      throw new ValidationError(`step ${JSON.stringify(step)} is not registered`, { step });
    return step;
  });
}
