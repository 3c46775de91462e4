import { ErrorCode, LongRunningError, toError } from '../../../lib/core/errors.js';
import type { StepFunc } from '../../../lib/core/types.js';
import { ControlPlane } from '../../../lib/runtime/control-plane.js';
import type { ExecutionHead, StepMessage } from '../../../lib/runtime/model.js';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import type { RuntimeConfig, RuntimeDeps } from '../../../lib/runtime/runtime-config.js';
import { processStepMessage } from '../../../lib/runtime/step-processor.js';
import { defineWorkflow } from '../../../lib/runtime/workflow.js';
import { WorkflowRegistry } from '../../../lib/runtime/workflow-registry.js';
import { InMemoryExecutionStore } from '../../../lib/testing/in-memory-execution-store.js';
import { InMemoryStepQueue, type QueuedMessage } from '../../../lib/testing/in-memory-step-queue.js';
import { ManualClock } from '../../../lib/testing/manual-clock.js';
import { LeaseLedger } from './lease-ledger.js';

/** A fixed start time, so a replayed run prints the same numbers. */
export const T0 = Date.UTC(2025, 0, 1);

/** The most steps an execution of the world has: steps s0 to s3. */
export const MAX_STEPS = 4;

/** Short settings, so generated clock advances cross every threshold. */
export const CONFIG: RuntimeConfig = {
  leaseMs: 30_000,
  heartbeatMs: 10_000,
  maxRetries: 1,
  retryBaseDelayMs: 1_000,
  retryMaxDelayMs: 4_000,
  deadlineBufferMs: 5_000,
  stallAfterMs: 60_000,
  maxDelaySeconds: 900,
  throttleMaxDelaySeconds: 30,
  chainMinRemainingMs: 10_000,
};

/**
 * A worker's invocation lasts this long; its step times out `deadlineBufferMs`
 * earlier, after the lease would lapse without heartbeats.
 */
export const INVOCATION_MS = 45_000;

/** How long SQS hides a message whose worker died before deleting it. */
export const VISIBILITY_MS = 30_000;

/** The state every execution starts from and each step extends: step i appends i. */
export interface FoldState {
  trail: number[];
}

/** What the step functions of one worker invocation do. */
export type StepBehaviour = (i: number, state: FoldState) => FoldState | Promise<FoldState>;

/** The step names of an execution of `n` steps. */
export function stepNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `s${i}`);
}

/**
 * A registry whose steps s0..s3 behave as `behave` says (a fresh one per
 * invocation); with `chainSteps`, a worker runs the next step in the same
 * invocation when the commit claimed it.
 */
export function registryOf(behave: StepBehaviour, chainSteps = false): WorkflowRegistry {
  const steps = stepNames(MAX_STEPS).map((name, i) => ({
    name,
    fn: ((state: FoldState) => behave(i, state)) as StepFunc,
  }));
  return new WorkflowRegistry().register(defineWorkflow({ name: 'fold', steps, chainSteps }));
}

/** Each step appends its own index: a step committed twice or skipped shows in the trail. */
export const appendIndex: StepBehaviour = (i, state) => ({ trail: [...state.trail, i] });

/** A step run that waits for the test to let it finish. */
export interface SlowRun {
  finish: (ok: boolean) => void;
  done: boolean;
  error?: Error;
  promise: Promise<void>;
}

/**
 * The serverless runtime in memory: store (behind a {@link LeaseLedger}), queue and
 * control plane on one manual clock, a mailbox of sent messages (SQS as the
 * workers see it: visible or delayed), and the step runs still in flight.
 */
export class ProtocolWorld {
  /** Whether the workflow chains steps (chainSteps): a delivery may then commit several. */
  readonly chainSteps: boolean;
  /** Steps workers ran after their message's own, in a chain (deliveries that were not slow runs). */
  chainedSteps = 0;
  /** Chained steps that ran into their deadline and were handed back (outcome `requeued`). */
  handBacks = 0;
  readonly clock = new ManualClock(T0);
  readonly memory = new InMemoryExecutionStore();
  readonly ledger = new LeaseLedger(this.memory);
  readonly queue = new InMemoryStepQueue({ clock: this.clock });
  readonly deps: RuntimeDeps = {
    ...CONFIG,
    store: this.ledger.store,
    queue: this.queue,
    workflows: registryOf(appendIndex),
    clock: this.clock,
  };

  constructor(options: { chainSteps?: boolean } = {}) {
    this.chainSteps = options.chainSteps ?? false;
    this.deps.workflows = registryOf(appendIndex, this.chainSteps);
  }
  readonly control = new ControlPlane(this.deps);
  readonly ids: string[] = [];
  readonly slowRuns: SlowRun[] = [];
  /** Time a step is letting pass (`late`), which its worker may stop waiting for at its deadline. */
  #passing: Promise<void>[] = [];
  mailbox: QueuedMessage[] = [];
  #workers = 0;

  async start(steps: number): Promise<void> {
    const { head } = await this.control.start({ workflow: 'fold', input: { trail: [] }, steps: stepNames(steps) });
    this.ids.push(head.id);
    this.collectSent();
  }

  /** Moves what the runtime sent into the mailbox. */
  collectSent(): void {
    this.mailbox.push(...this.queue.receive(Number.MAX_SAFE_INTEGER));
  }

  /** The messages a worker could receive now, in the order SQS would hand them out. */
  visible(): QueuedMessage[] {
    const now = this.clock.now();
    return this.mailbox.filter((m) => m.visibleAt <= now).sort((a, b) => a.visibleAt - b.visibleAt);
  }

  /** Takes a message out of the mailbox (a worker deleted it, or it was lost). */
  remove(entry: QueuedMessage): void {
    this.mailbox = this.mailbox.filter((m) => m !== entry);
  }

  /** Runs one worker invocation on `message` to its end. */
  async work(message: StepMessage, workflows: WorkflowRegistry): Promise<void> {
    const deps = this.#workerDeps(workflows);
    const outcome = await processStepMessage(message, { deadline: this.clock.now() + INVOCATION_MS }, deps).finally(
      // A step timed out by the clock it moves is still moving it: the next command waits for that.
      () => Promise.all(this.#passing.splice(0)),
    );
    this.chainedSteps += outcome.chained ?? 0;
    if (outcome.status === 'requeued') {
      this.handBacks++;
      this.#checkHandBack(outcome.executionId, outcome.step, outcome.head);
    }
  }

  /**
   * A chained step handed back left its step as the chained claim found it: no
   * lease, its claim not counted, and (while running) its message sent again.
   */
  #checkHandBack(id: string, step: number, head: ExecutionHead): void {
    const problem = (what: string) => new Error(`hand-back of step ${step} of ${id}: ${what}`);
    if (head.currentStep !== step) throw problem(`the head is at step ${head.currentStep}`);
    if (head.leaseOwner !== undefined) throw problem(`the lease of ${head.leaseOwner} is kept`);
    if (head.claims !== 0) throw problem(`${head.claims} claims counted`);
    this.collectSent();
    const sent = this.mailbox.some((m) => {
      const message = m.message as StepMessage;
      return message.executionId === id && message.step === step;
    });
    if (sent !== (head.state === ExecutionState.Running))
      throw problem(`${sent ? 'a' : 'no'} message sent for a head that is ${head.state}`);
  }

  /** Lets `ms` pass from within a step run, as a step that takes that long. */
  passTime(ms: number): Promise<void> {
    const passing = this.clock.advance(ms);
    this.#passing.push(passing);
    return passing;
  }

  /**
   * Starts a worker invocation whose step waits for {@link SlowRun.finish}, and lets
   * it reach the step. As SQS does, the message stays hidden for the visibility
   * timeout, comes back if the run outlasts it, and is deleted when the run ends.
   * With `lostHeartbeats` every heartbeat of this worker fails (it is cut off from
   * the store), so its lease can lapse while the step still runs.
   */
  async startSlow(entry: QueuedMessage, lostHeartbeats: boolean): Promise<void> {
    entry.visibleAt = this.clock.now() + VISIBILITY_MS;
    let finish: (ok: boolean) => void = () => undefined;
    const decided = new Promise<boolean>((resolve) => (finish = resolve));
    const workflows = registryOf(async (i, state) => {
      if (!(await decided)) throw new Error(`step s${i} failed (planned)`);
      return appendIndex(i, state);
    }, this.chainSteps);
    const deps = this.#workerDeps(workflows);
    if (lostHeartbeats) deps.store = { ...this.ledger.store, extendLease: () => Promise.reject(unreachable()) };
    const run: SlowRun = { finish, done: false, promise: Promise.resolve() };
    run.promise = processStepMessage(entry.message, { deadline: this.clock.now() + INVOCATION_MS }, deps).then(
      () => {
        run.done = true;
        this.remove(entry);
      },
      (err: unknown) => void Object.assign(run, { done: true, error: toError(err) }),
    );
    this.slowRuns.push(run);
    await this.settle();
  }

  /** Claims `message` for a worker that dies at once, leaving its lease to lapse. */
  async crash(message: StepMessage): Promise<void> {
    const now = this.clock.now();
    const owner = `crashed-${++this.#workers}`;
    await this.deps.store.claim({
      id: message.executionId,
      token: message.token,
      step: message.step,
      owner,
      now,
      leaseMs: CONFIG.leaseMs,
    });
  }

  /** Lets every pending promise callback run (no time passes). */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Forgets finished slow runs, failing on any that threw (processStepMessage throws only for store faults). */
  reapSlowRuns(): void {
    for (const run of this.slowRuns.filter((r) => r.done)) {
      if (run.error !== undefined) throw run.error;
      this.slowRuns.splice(this.slowRuns.indexOf(run), 1);
    }
  }

  #workerDeps(workflows: WorkflowRegistry): RuntimeDeps {
    return { ...this.deps, workflows, owner: `worker-${++this.#workers}` };
  }
}

function unreachable(): LongRunningError {
  return new LongRunningError(ErrorCode.StoreUnavailable, 'the store cannot be reached (generated fault)', {
    retryable: true,
  });
}
