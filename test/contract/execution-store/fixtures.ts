import type { ExecutionState } from '../../../lib/core/execution-state.js';
import { legalFrom } from '../../../lib/core/transitions.js';
import type { EpochMs, ExecutionHead, Page, RecordedEvent } from '../../../lib/runtime/model.js';
import type {
  ClaimRequest,
  ExecutionStore,
  Fence,
  ListQuery,
  NewExecution,
  TransitionRequest,
} from '../../../lib/runtime/ports.js';

/** What the contract runs against: one store over new, empty storage, and more handles on it. */
export interface StoreUnderTest {
  store: ExecutionStore;
  /**
   * Another handle on the same storage, as another worker (another Lambda
   * instance) holds one: its own caches, if the adapter keeps any. Requests made
   * through such handles at the same time must be applied one at a time per item,
   * as the real backend does.
   */
  another: () => Promise<ExecutionStore>;
}

/** Options every adapter takes. */
export interface StoreOptions {
  maxItemBytes?: number;
}

/** Makes a store over new, empty storage that no other test sees. */
export type MakeStore = (options?: StoreOptions) => Promise<StoreUnderTest>;

/** The time every test starts at (epoch ms). */
export const T = 1_000_000;

/** A step error as the runtime records it. */
export const STEP_ERROR = { code: 'STEP_FAILED', message: 'boom' };

/** A new three-step execution `id` of workflow `wf`, created at T and due for a sweep at T + 1000. */
export function newExec(id: string, overrides: Partial<NewExecution> = {}): NewExecution {
  return {
    id,
    name: id,
    workflow: 'wf',
    stepNames: ['a', 'b', 'c'],
    input: { v: 0 },
    now: T,
    metadata: {},
    sweepAt: T + 1000,
    events: [],
    ...overrides,
  };
}

/** The fence of worker `owner` on token `token` of `id`, at `now`. */
export function fence(id: string, token: number, owner = 'w1', now: EpochMs = T): Fence {
  return { id, token, owner, now };
}

/** A claim of `step` under `token` by `owner` at `now`, for `leaseMs`. */
export function claimOf(
  id: string,
  step: number,
  token: number,
  options: { owner?: string; now?: EpochMs; leaseMs?: number } = {},
): ClaimRequest {
  return { ...fence(id, token, options.owner, options.now), step, leaseMs: options.leaseMs ?? 100 };
}

/** A commit of `step` with `output` (no events; sweepAt T + 50 unless given). */
export function commitOf(
  id: string,
  step: number,
  token: number,
  output: unknown,
  options: { owner?: string; now?: EpochMs; sweepAt?: EpochMs; events?: RecordedEvent[] } = {},
): Fence & { step: number; output: unknown; sweepAt: EpochMs; events: RecordedEvent[] } {
  return {
    ...fence(id, token, options.owner, options.now),
    step,
    output,
    sweepAt: options.sweepAt ?? T + 50,
    events: options.events ?? [],
  };
}

/** A recorded event of `type` at step 0 and time `at`. */
export function eventAt(type: RecordedEvent['type'], at: EpochMs, step = 0): RecordedEvent {
  return { type, step, at };
}

type Extra = Partial<TransitionRequest>;

/** Pause as the control plane asks for it: running -> paused, version kept. */
export function pauseOf(id: string, now: EpochMs = T, extra: Extra = {}): TransitionRequest {
  return control(id, 'pause', 'paused', now, { bumpVersion: false, event: eventAt('paused', now), ...extra });
}

/** Resume: paused -> running, version kept, attempts reset, sweep due at `now + 1000`. */
export function resumeOf(id: string, now: EpochMs = T, extra: Extra = {}): TransitionRequest {
  return control(id, 'resume', 'running', now, {
    bumpVersion: false,
    resetAttempts: true,
    sweepAt: now + 1000,
    event: eventAt('resumed', now),
    ...extra,
  });
}

/** Cancel: an unfinished state -> cancelled, version bumped, endTime set. */
export function cancelOf(id: string, now: EpochMs = T, extra: Extra = {}): TransitionRequest {
  return control(id, 'cancel', 'cancelled', now, {
    bumpVersion: true,
    end: true,
    event: eventAt('execution_cancelled', now),
    ...extra,
  });
}

/** Retry: failed -> running, version bumped, attempts reset, sweep due at `now + 1000`. */
export function retryOf(id: string, now: EpochMs = T, extra: Extra = {}): TransitionRequest {
  return control(id, 'retry', 'running', now, {
    bumpVersion: true,
    resetAttempts: true,
    sweepAt: now + 1000,
    event: eventAt('resumed', now),
    ...extra,
  });
}

function control(
  id: string,
  action: 'pause' | 'resume' | 'cancel' | 'retry',
  to: ExecutionState,
  now: EpochMs,
  rest: Omit<TransitionRequest, 'id' | 'from' | 'to' | 'now' | 'action'>,
): TransitionRequest {
  return { id, from: legalFrom(action), to, now, action, ...rest };
}

/** Claims and commits steps `0 .. steps - 1` of `id` in turn (worker w1, output `step + 1`). */
export async function runSteps(store: ExecutionStore, id: string, steps: number): Promise<ExecutionHead> {
  let head: ExecutionHead | undefined;
  for (let step = 0; step < steps; step++) {
    await store.claim(claimOf(id, step, step));
    head = await store.commit(commitOf(id, step, step, step + 1));
  }
  if (!head) throw new Error('runSteps needs at least one step');
  return head;
}

/** Every page of a listing: the ids in order, and how many pages it took. */
export async function allPages(
  store: ExecutionStore,
  query: Omit<ListQuery, 'nextToken'>,
  check: (page: Page<ExecutionHead>) => void = () => undefined,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await store.list(nextToken === undefined ? query : { ...query, nextToken });
    check(page);
    ids.push(...page.items.map((h) => h.id));
    nextToken = page.nextToken;
    pages++;
  } while (nextToken !== undefined && pages < 50);
  return { ids, pages };
}
