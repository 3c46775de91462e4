import { isDeepStrictEqual } from 'node:util';
import { ErrorCode } from '../../../lib/core/errors.js';
import { ExecutionState, isTerminalState } from '../../../lib/core/execution-state.js';
import type { ExecutionHead, StoredCheckpoint } from '../../../lib/runtime/model.js';
import type { Command, ControlAction } from './protocol-commands.js';
import type { FoldState, ProtocolWorld } from './protocol-world.js';

/** One execution as stored: its head and all its checkpoints, newest first. */
export interface Stored {
  head: ExecutionHead;
  checkpoints: StoredCheckpoint[];
}

/** Every execution the world started, as the store holds it now (undefined once deleted). */
export type Snapshot = Map<string, Stored | undefined>;

/** Reads the store directly (not through the lease ledger). */
export async function snapshot(world: ProtocolWorld): Promise<Snapshot> {
  const result: Snapshot = new Map();
  for (const id of world.ids) {
    const head = await world.memory.get(id);
    const checkpoints = head ? (await world.memory.listCheckpoints(id, { limit: 100 })).items : [];
    result.set(id, head && { head, checkpoints });
  }
  return result;
}

/** Who may change execution `id` during `command`: nobody, the sweeper, the workers, or one control action. */
function changer(command: Command, id: string, world: ProtocolWorld): 'nobody' | 'sweeper' | 'worker' | ControlAction {
  switch (command.kind) {
    case 'sweep':
      return 'sweeper';
    case 'drop':
      return 'nobody';
    case 'control':
      return world.ids[command.exec % world.ids.length] === id ? command.action : 'nobody';
    default:
      return 'worker';
  }
}

const TARGET: Readonly<Record<ControlAction, ExecutionState | undefined>> = {
  pause: ExecutionState.Paused,
  resume: ExecutionState.Running,
  cancel: ExecutionState.Cancelled,
  retry: ExecutionState.Running,
  delete: undefined,
};

/** Checks what `command` changed between two snapshots, and every execution as it stands after it. */
export function checkInvariants(world: ProtocolWorld, before: Snapshot, after: Snapshot, command: Command): void {
  const violated = (rule: string, id: string): never => {
    const shown = (s: Stored | undefined) => (s === undefined ? 'absent' : JSON.stringify(s.head));
    throw new Error(
      `${rule}\n  execution #${world.ids.indexOf(id)} ${id}\n  before: ${shown(before.get(id))}\n  after:  ${shown(after.get(id))}`,
    );
  };
  const lease = world.ledger.violations[0];
  if (lease !== undefined) throw new Error(`at most one live lease: ${lease}`);
  for (const [id, next] of after) {
    const prev = before.get(id);
    const who = changer(command, id, world);
    if (prev === undefined) {
      if (next !== undefined) violated('a deleted execution never comes back', id);
      continue;
    }
    if (next === undefined) {
      if (who !== 'delete' || !isTerminalState(prev.head.state))
        violated('only delete removes, and only a finished execution', id);
      continue;
    }
    const [p, n] = [prev.head, next.head];
    const unchanged = isDeepStrictEqual(prev, next);
    if (n.version < p.version) violated('the version never decreases', id);
    if (who === 'nobody' && !unchanged) violated(`${command.kind} changes no other execution`, id);
    if (who === 'sweeper' && !unchanged && !onlySweepAtMovedOn(prev, next))
      violated("a sweep only re-sends messages and moves a stalled head's sweepAt later", id);
    if ((p.state === ExecutionState.Completed || p.state === ExecutionState.Cancelled) && !unchanged)
      violated('a completed or cancelled execution never changes again', id);
    if (p.state === ExecutionState.Failed && !unchanged && who !== 'retry')
      violated('a failed execution changes only by retry', id);
    if (p.state !== n.state) {
      if (typeof who === 'string' && who in TARGET && TARGET[who as ControlAction] !== n.state)
        violated(`${who} moves an execution only to ${TARGET[who as ControlAction]}`, id);
      if (p.state === ExecutionState.Paused && n.state === ExecutionState.Running && who !== 'resume')
        violated('only resume moves a paused execution to running', id);
      if (n.state === ExecutionState.Paused && who === 'worker' && n.error?.code !== ErrorCode.StepNotRegistered)
        violated('a worker pauses an execution only when its step is not registered', id);
    }
    checkStored(next, (rule) => violated(rule, id));
  }
}

/** True when nothing but the head's `sweepAt` changed, and it moved later. */
function onlySweepAtMovedOn(prev: Stored, next: Stored): boolean {
  const { sweepAt: before, ...restBefore } = prev.head;
  const { sweepAt: after, ...restAfter } = next.head;
  return (
    before !== undefined &&
    after !== undefined &&
    after > before &&
    isDeepStrictEqual(restBefore, restAfter) &&
    isDeepStrictEqual(prev.checkpoints, next.checkpoints)
  );
}

/** What holds of every stored execution in every state. */
function checkStored({ head, checkpoints }: Stored, violated: (rule: string) => never): void {
  if ((head.leaseOwner === undefined) !== (head.leaseExpiresAt === undefined))
    violated('a lease has both an owner and an expiry, or neither');
  if (isTerminalState(head.state)) {
    if (head.leaseOwner !== undefined || head.sweepAt !== undefined || head.endTime === undefined)
      violated('a finished execution has an end time, and no lease or sweepAt');
  }
  if (head.state === ExecutionState.Running && head.sweepAt === undefined)
    violated('a running execution has a sweepAt, so a sweep finds it if it stalls');
  if ((head.state === ExecutionState.Completed) !== (head.currentStep === head.totalSteps))
    violated('an execution is completed exactly when every step is done');
  if (!isDeepStrictEqual((head.data as FoldState).trail, range(head.currentStep)))
    violated(`the state is the fold of steps 0..${head.currentStep - 1}: no step committed twice or skipped`);
  const steps = checkpoints.map((cp) => cp.step);
  if (!isDeepStrictEqual(steps, range(head.currentStep + 1).reverse()))
    violated(`the checkpoints are 0..${head.currentStep}, contiguous, got ${steps.join(',')}`);
  for (const cp of checkpoints) {
    if (!isDeepStrictEqual((cp.state as FoldState).trail, range(cp.step)))
      violated(`checkpoint ${cp.step} holds the fold of the steps before it`);
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
