import fc from 'fast-check';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { Checkpoint, Execution, ExecutionWait } from '../../../lib/core/types.js';
import type { InboxEvent } from '../../../lib/core/waits.js';

/** Every instant the codec writes: years 0000 to 9999 in UTC, to the millisecond. */
export const instantArb = fc.date({
  min: new Date('0000-01-01T00:00:00.000Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
  noInvalidDate: true,
});

/** Any text, including lone surrogates and control characters. */
const textArb = fc.string({ unit: 'binary', maxLength: 40 });

/** JSON values as a step could leave them, any unicode in keys and strings, -0 included. */
export const stateArb = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });

const metadataArb = fc.dictionary(textArb, stateArb, { maxKeys: 4 });

/** Epoch ms of every instant the codec writes. */
const epochArb = instantArb.map((d) => d.getTime());

const eventArb: fc.Arbitrary<InboxEvent> = fc.record({
  id: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
  type: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
  payload: stateArb,
  receivedAt: epochArb,
});

const waitArb: fc.Arbitrary<ExecutionWait> = fc.oneof(
  fc.record({ kind: fc.constant('sleep' as const), until: instantArb }),
  fc.record(
    {
      kind: fc.constant('event' as const),
      eventType: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
      until: instantArb,
      onTimeout: fc.constantFrom('fail' as const, 'continue' as const),
      timeoutMs: fc.maxSafeNat(),
    },
    { requiredKeys: ['kind', 'eventType'] },
  ),
);

/** The fields of waits, events and loops, each present or not. */
const waitFieldsArb = fc.record(
  {
    errorCode: textArb,
    stepRuns: fc.oneof(fc.nat({ max: 100 }), fc.maxSafeNat()),
    maxStepRuns: fc.oneof(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.constant(Infinity)),
    wait: waitArb,
    inbox: fc.array(eventArb, { maxLength: 3 }),
    seenEventIds: fc.array(textArb, { maxLength: 3 }),
    openCallbacks: fc.array(
      fc.record({
        nonce: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
        type: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
      }),
      { maxLength: 3 },
    ),
    delivered: fc.option(eventArb, { nil: null }),
  },
  { requiredKeys: [] },
);

const checkpointArb: fc.Arbitrary<Checkpoint> = fc
  .record(
    {
      id: textArb,
      step: fc.oneof(fc.nat({ max: 100 }), fc.maxSafeNat()),
      state: fc.option(stateArb, { nil: undefined }),
      timestamp: instantArb,
      metadata: metadataArb,
      seq: fc.oneof(fc.nat({ max: 100 }), fc.maxSafeNat()),
      stepName: textArb,
    },
    { requiredKeys: ['id', 'step', 'state', 'timestamp'] },
  )
  .map((cp) => cp as Checkpoint);

/**
 * Executions as the Executor could hold them: any id (non-empty) and name, any
 * state, any step counts with `currentStep <= totalSteps`, step names (when present) one per step,
 * progress from 0 to 100, any timestamps, checkpoints with any JSON state (or none)
 * and metadata, an optional end time and error, and any of the fields of waits,
 * events and loops.
 */
export const executionArb: fc.Arbitrary<Execution> = fc
  .record({
    // Go ints: small counts (with step names), and any count up to 2^53 - 1 (without).
    totalSteps: fc.oneof(fc.nat({ max: 12 }), fc.maxSafeNat()),
    fraction: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .chain(({ totalSteps, fraction }) =>
    fc.record(
      {
        id: fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
        name: textArb,
        state: fc.constantFrom(...Object.values(ExecutionState)),
        progress: fc.double({ min: 0, max: 100, noNaN: true }),
        currentStep: fc.constant(Math.floor(fraction * totalSteps)),
        totalSteps: fc.constant(totalSteps),
        stepNames:
          totalSteps <= 12 ? fc.array(textArb, { minLength: totalSteps, maxLength: totalSteps }) : fc.constant([]),
        startTime: instantArb,
        lastUpdate: instantArb,
        endTime: instantArb,
        checkpoints: fc.array(checkpointArb, { maxLength: 5 }),
        metadata: metadataArb,
        error: textArb,
      },
      {
        requiredKeys: [
          'id',
          'name',
          'state',
          'progress',
          'currentStep',
          'totalSteps',
          'startTime',
          'lastUpdate',
          'checkpoints',
          'metadata',
        ],
      },
    ),
  )
  .chain((exec) => waitFieldsArb.map((fields) => ({ ...exec, ...fields })))
  .map((exec) => exec as Execution);

/**
 * What decoding gives back for `exec`, as the codec documents it: the Go package's
 * `omitempty` leaves out empty step names, an empty error and empty metadata (read
 * back as `{}` on the execution, absent on a checkpoint), and a missing checkpoint
 * state is written as `null`; so are an empty error code, inbox, seen ids and open
 * callbacks left out.
 */
export function normalForm(exec: Execution): Execution {
  const { stepNames, error, errorCode, inbox, seenEventIds, openCallbacks, wait, delivered, ...rest } = exec;
  const normal: Execution = {
    ...rest,
    metadata: Object.keys(exec.metadata).length > 0 ? exec.metadata : {},
    checkpoints: exec.checkpoints.map(({ metadata, state, ...cp }) => ({
      ...cp,
      state: state ?? null,
      ...(metadata !== undefined && Object.keys(metadata).length > 0 ? { metadata } : {}),
    })),
  };
  if (stepNames !== undefined && stepNames.length > 0) normal.stepNames = stepNames;
  if (error) normal.error = error;
  if (errorCode) normal.errorCode = errorCode;
  if (inbox?.length) normal.inbox = inbox.map((e) => ({ ...e, payload: e.payload ?? null }));
  if (seenEventIds?.length) normal.seenEventIds = seenEventIds;
  if (openCallbacks?.length) normal.openCallbacks = openCallbacks.map((c) => ({ ...c }));
  if (wait) normal.wait = { ...wait };
  if (delivered !== undefined) normal.delivered = delivered && { ...delivered };
  return normal;
}
