import type { StepMessage } from '../../../lib/runtime/model.js';
import fc from 'fast-check';
import { ErrorCode, LongRunningError } from '../../../lib/core/errors.js';
import { sweep } from '../../../lib/runtime/sweeper.js';
import { WorkflowRegistry } from '../../../lib/runtime/workflow-registry.js';
import { appendIndex, CONFIG, INVOCATION_MS, type ProtocolWorld, registryOf, VISIBILITY_MS } from './protocol-world.js';

/** A control action of the API. */
export type ControlAction = 'pause' | 'resume' | 'cancel' | 'retry' | 'delete';

/**
 * What a worker's step does in one delivery. `late`: every step after the
 * invocation's first runs past its deadline (time passes while it runs), so a
 * chained step is handed back.
 */
export type Behaviour = 'ok' | 'throw' | 'unregistered' | 'late';

/**
 * One thing that can happen to the runtime. `pick` chooses a visible message (or a
 * slow run) by index, modulo how many there are; `exec` chooses an execution.
 */
export type Command =
  /** A worker receives a message and runs it to the end; `keep`: SQS delivers it again. */
  | { kind: 'deliver'; pick: number; behaviour: Behaviour; keep: boolean }
  /**
   * A worker receives a message and its step waits (pauses, cancels, time can pass
   * meanwhile); with `lostHeartbeats` its heartbeats fail, so its lease can lapse.
   */
  | { kind: 'deliverSlow'; pick: number; lostHeartbeats: boolean }
  /** A waiting step returns (or throws). */
  | { kind: 'finishSlow'; pick: number; ok: boolean }
  /** A worker claims a message and dies; the message comes back after the visibility timeout. */
  | { kind: 'crash'; pick: number }
  /** A message is lost. */
  | { kind: 'drop'; pick: number }
  | { kind: 'control'; action: ControlAction; exec: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'sweep' };

const pick = fc.nat({ max: 7 });

/** Times that cross the thresholds of {@link CONFIG}, and some in between. */
const advanceMs = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      1_000,
      CONFIG.heartbeatMs,
      CONFIG.leaseMs,
      INVOCATION_MS - CONFIG.deadlineBufferMs,
      CONFIG.stallAfterMs + 1,
      CONFIG.stallAfterMs + CONFIG.retryMaxDelayMs + CONFIG.leaseMs,
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 * CONFIG.stallAfterMs }) },
);

/** Commands, weighted so that deliveries dominate and executions get somewhere. */
export const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      pick,
      behaviour: fc.constantFrom<Behaviour>('ok', 'ok', 'ok', 'throw', 'throw', 'unregistered', 'late'),
      keep: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('deliverSlow' as const), pick, lostHeartbeats: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('finishSlow' as const), pick, ok: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('crash' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('control' as const),
      action: fc.constantFrom<ControlAction>('pause', 'resume', 'cancel', 'retry', 'delete'),
      exec: fc.nat({ max: 3 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: advanceMs }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'sweep' as const }) },
);

/** Slow runs in flight at once, at most (a further deliverSlow delivers normally). */
const MAX_SLOW_RUNS = 3;

/** Applies one command to the world. Control actions may be refused (ILLEGAL_TRANSITION, NOT_FOUND); nothing else may throw. */
export async function runCommand(world: ProtocolWorld, command: Command): Promise<void> {
  const visible = world.visible();
  const entry = visible.length === 0 ? undefined : visible[('pick' in command ? command.pick : 0) % visible.length];
  switch (command.kind) {
    case 'deliver':
    case 'deliverSlow':
      if (!entry) break;
      if (command.kind === 'deliverSlow' && world.slowRuns.filter((r) => !r.done).length < MAX_SLOW_RUNS) {
        await world.startSlow(entry, command.lostHeartbeats);
      } else {
        // A kept message stays visible: SQS may hand a copy to another worker at once.
        if (command.kind !== 'deliver' || !command.keep) world.remove(entry);
        await world.work(
          entry.message as StepMessage,
          workflowsFor(world, command.kind === 'deliver' ? command.behaviour : 'ok'),
        );
      }
      break;
    case 'finishSlow': {
      const waiting = world.slowRuns.filter((r) => !r.done);
      const run = waiting[command.pick % Math.max(1, waiting.length)];
      if (!run) break;
      run.finish(command.ok);
      await run.promise;
      break;
    }
    case 'crash':
      if (!entry) break;
      entry.visibleAt = world.clock.now() + VISIBILITY_MS;
      await world.crash(entry.message as StepMessage);
      break;
    case 'drop':
      if (entry) world.remove(entry);
      break;
    case 'control':
      await control(world, command.action, world.ids[command.exec % world.ids.length] ?? '');
      break;
    case 'advance':
      await world.clock.advance(command.ms);
      await world.settle();
      break;
    case 'sweep':
      await sweep({}, world.deps);
      break;
  }
  world.reapSlowRuns();
  world.collectSent();
}

async function control(world: ProtocolWorld, action: ControlAction, id: string): Promise<void> {
  try {
    await world.control[action](id);
  } catch (err) {
    // Whether a repeated or illegal action is refused or answered with the head is
    // not what these properties check; only that it changes nothing it must not.
    const refused =
      err instanceof LongRunningError && (err.code === ErrorCode.IllegalTransition || err.code === ErrorCode.NotFound);
    if (!refused) throw err;
  }
}

function workflowsFor(world: ProtocolWorld, behaviour: Behaviour): WorkflowRegistry {
  const chainSteps = world.chainSteps;
  if (behaviour === 'unregistered') return new WorkflowRegistry();
  if (behaviour === 'ok') return registryOf(appendIndex, chainSteps);
  if (behaviour === 'late') {
    let runs = 0;
    return registryOf(async (i, state) => {
      if (runs++ > 0) await world.passTime(INVOCATION_MS);
      return appendIndex(i, state);
    }, chainSteps);
  }
  return registryOf((i) => {
    throw new Error(`step s${i} failed (planned)`);
  }, chainSteps);
}
