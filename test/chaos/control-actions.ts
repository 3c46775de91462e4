import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, LongRunningError, type ControlPlane } from '../../lib/index.js';
import {
  CHAOS_EVENT,
  chaosBallast,
  chaosEventId,
  chaosInput,
  chaosWorkflowName,
  type ChaosWaits,
} from './chaos-workflow.js';
import { chance, deriveSeed, randomInt, type Random } from './rng.js';

/** How long a poisoned step keeps failing after its execution starts: long enough to use up its attempts. */
export const POISON_MS = 20_000;

/** How long the driver keeps trying to deliver an execution's event while the execution is failed (it may be retried). */
export const EVENT_PATIENCE_MS = 120_000;

/** Share of delivered events the driver sends a second time with the same id (it must be answered `duplicate`). */
export const EVENT_DUPLICATE_SHARE = 0.3;

/** What the driver planned for one execution. */
export interface PlannedExecution {
  index: number;
  shard: number;
  idempotencyKey: string;
  /** Pause right after this step commits (resume later), if planned. */
  pauseAfter?: number;
  /** Cancel right after this step commits, if planned. */
  cancelAfter?: number;
  /** The step that fails every attempt for {@link POISON_MS} after the start, if poisoned. */
  poisonStep?: number;
  /** When the poison wears off (set at the start). */
  poisonUntil?: number;
  /** The step that commits with a sleep of `sleepMs`, if planned. */
  sleepStep?: number;
  sleepMs?: number;
  /** The step that commits with a wait for the driver's event, if planned. */
  eventStep?: number;
  /** True for a large execution: its state carries ballast, so every state of it is kept in S3. */
  large?: boolean;
  /** True for an execution of the chainSteps workflow: a worker may run several of its steps per message. */
  chained?: boolean;
}

/** A control action as it happened, for recovery times (gaps with one are left out). */
export interface ControlMarker {
  id: string;
  t: number;
  action: 'pause' | 'resume' | 'cancel' | 'retry';
}

export type ActionCounts = Record<
  | 'start'
  | 'pause'
  | 'resume'
  | 'cancel'
  | 'retry'
  | 'event'
  | 'eventDuplicate'
  | 'eventRedelivered'
  | 'illegal'
  | 'gaveUp',
  number
>;

/** Counts of a run that has done nothing yet. */
export function noActions(): ActionCounts {
  return {
    start: 0,
    pause: 0,
    resume: 0,
    cancel: 0,
    retry: 0,
    event: 0,
    eventDuplicate: 0,
    eventRedelivered: 0,
    illegal: 0,
    gaveUp: 0,
  };
}

const ATTEMPTS = 6;

/**
 * The driver's control actions through ControlPlane (one per shard, over clients
 * with faults): starts every execution with an idempotency key (retrying after
 * errors, as a client would), pauses some right after a planned step commits and
 * resumes them later, cancels some, retries a share of the failed ones, and sends
 * the event of every execution planned with an event wait, at a random moment
 * (before, during or after its wait), sometimes twice.
 */
export class ControlActions {
  readonly plans: PlannedExecution[];
  readonly ids = new Map<number, string>();
  readonly markers: ControlMarker[] = [];
  /** Executions a cancel was sent for (whether or not its response came back). */
  readonly cancelRequested = new Set<string>();
  /** Executions whose event was accepted (resumed, buffered, or a duplicate of an earlier try that landed). */
  readonly eventAccepted = new Set<string>();
  readonly counts: ActionCounts = noActions();
  readonly #planes: ControlPlane[];
  readonly #random: Random;
  readonly #planById = new Map<string, PlannedExecution>();
  readonly #retryDecided = new Set<string>();
  readonly #pending = new Set<Promise<void>>();
  readonly #seed: number;
  readonly #retryFraction: number;
  readonly #steps: number;
  readonly #live: number;
  /** Started executions known to be finished (completed, failed or cancelled). */
  readonly #finished = new Set<string>();

  constructor(
    planes: ControlPlane[],
    random: Random,
    o: {
      executions: number;
      steps: number;
      seed: number;
      live: number;
      pause: number;
      cancel: number;
      retry: number;
      poison: number;
      sleep: number;
      wait: number;
      large: number;
      chain: number;
    },
  ) {
    this.#planes = planes;
    this.#random = random;
    this.#seed = o.seed;
    this.#steps = o.steps;
    this.#retryFraction = o.retry;
    this.#live = o.live;
    this.plans = Array.from({ length: o.executions }, (_, index) => {
      const plan: PlannedExecution = {
        index,
        shard: index % planes.length,
        idempotencyKey: `chaos-${o.seed}-${index}`,
      };
      const last = o.steps - 2; // act after a step that is not the last one
      if (last >= 0 && chance(random, o.cancel)) plan.cancelAfter = randomInt(random, 0, last);
      else if (last >= 0 && chance(random, o.pause)) plan.pauseAfter = randomInt(random, 0, last);
      if (chance(random, o.poison)) plan.poisonStep = randomInt(random, 0, Math.min(1, o.steps - 1));
      if (last >= 0 && chance(random, o.sleep)) {
        plan.sleepStep = randomInt(random, 0, last);
        plan.sleepMs = randomInt(random, 200, 3_000);
      }
      if (last >= 0 && chance(random, o.wait)) {
        const step = randomInt(random, 0, last);
        if (step !== plan.sleepStep) plan.eventStep = step;
      }
      if (chance(random, o.large)) plan.large = true;
      if (chance(random, o.chain)) plan.chained = true;
      return plan;
    });
  }

  /**
   * Starts every planned execution, `concurrency` at a time, keeping at most `live`
   * of them unfinished: an open loop would pile more work on the emulator than it
   * can take, and the run would measure the emulator's queueing, not recovery.
   */
  async startAll(concurrency: number, stop: () => boolean): Promise<void> {
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let plan = this.plans[next++]; plan && !stop(); plan = this.plans[next++]) {
        while (this.ids.size - this.#finished.size >= this.#live && !stop()) await sleep(100);
        await this.#start(plan);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  }

  /** Marks `id` finished (its end was seen), freeing a live slot. */
  finished(id: string): void {
    if (this.#planById.has(id)) this.#finished.add(id);
  }

  /** Marks every started execution not in `open` (running or paused now) finished. */
  sync(open: ReadonlySet<string>): void {
    for (const id of this.#planById.keys()) if (!open.has(id)) this.#finished.add(id);
  }

  /** Reacts to a step committed: the planned pause or cancel of that execution. */
  stepCompleted(id: string, step: number): void {
    const plan = this.#planById.get(id);
    if (!plan) return;
    if (plan.cancelAfter === step) {
      delete plan.cancelAfter;
      this.cancelRequested.add(id);
      this.#track(this.#act(plan, id, 'cancel'));
    } else if (plan.pauseAfter === step) {
      delete plan.pauseAfter;
      this.#track(
        // Resumed whether or not the pause seemed to apply: a retried pause whose first
        // try landed answers ILLEGAL_TRANSITION, and a resume of a running one is refused.
        this.#act(plan, id, 'pause').then(async () => {
          await sleep(randomInt(this.#random, 500, 3_000));
          await this.#act(plan, id, 'resume');
        }),
      );
    }
  }

  /** Reacts to a failed execution: retried once, for a share of them. */
  failed(id: string): void {
    const plan = this.#planById.get(id);
    if (!plan || this.#retryDecided.has(id)) return;
    this.#retryDecided.add(id);
    if (!chance(this.#random, this.#retryFraction)) return;
    // A poisoned execution is retried once its poison has worn off, so that the retry can complete.
    const wait = Math.max(randomInt(this.#random, 200, 1_500), (plan.poisonUntil ?? 0) + 500 - Date.now());
    this.#track(sleep(wait).then(() => this.#act(plan, id, 'retry')));
  }

  /** Resumes `id` (drain phase: every paused execution goes on). */
  resume(id: string): Promise<boolean> {
    const plan = this.#planById.get(id);
    return plan ? this.#act(plan, id, 'resume') : Promise.resolve(false);
  }

  /** Actions scheduled or in flight. */
  get pending(): number {
    return this.#pending.size;
  }

  /** Waits for every scheduled action. */
  async settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  async #start(plan: PlannedExecution): Promise<void> {
    const plane = this.#planes[plan.shard]!;
    if (plan.poisonStep !== undefined) plan.poisonUntil = Date.now() + POISON_MS;
    const poison = plan.poisonUntil === undefined ? undefined : { step: plan.poisonStep!, until: plan.poisonUntil };
    const seed = deriveSeed(this.#seed, plan.index);
    const input = chaosInput(seed, poison, waitsOf(plan), plan.large ? chaosBallast(seed) : undefined);
    const request = {
      workflow: chaosWorkflowName(this.#steps, plan.chained),
      input,
      idempotencyKey: plan.idempotencyKey,
    };
    const head = await this.#persist(() => plane.start(request));
    if (head === undefined) return;
    this.counts.start++;
    this.ids.set(plan.index, head.head.id);
    this.#planById.set(head.head.id, plan);
    if (plan.eventStep !== undefined) this.#track(this.#deliverEvent(plan, head.head.id, input.seed));
  }

  /**
   * Sends the execution's one event at a random moment after its start (so it may
   * arrive before its wait and be buffered), retrying transient errors (a retry
   * whose first try landed is answered `duplicate`) and, while the execution is
   * failed, waiting for a retry to bring it back, for at most
   * {@link EVENT_PATIENCE_MS}. A share is sent a second time, which must be
   * answered `duplicate`.
   */
  async #deliverEvent(plan: PlannedExecution, id: string, seed: number): Promise<void> {
    const plane = this.#planes[plan.shard]!;
    const event = { type: CHAOS_EVENT, eventId: chaosEventId(seed), payload: { index: plan.index } };
    const gives = Date.now() + EVENT_PATIENCE_MS;
    await sleep(randomInt(this.#random, 0, 3_000));
    for (let attempt = 1; Date.now() < gives; attempt++) {
      try {
        await plane.sendEvent(id, event);
        this.counts.event++;
        this.eventAccepted.add(id);
        if (chance(this.#random, EVENT_DUPLICATE_SHARE)) await this.#sendAgain(plane, id, event);
        return;
      } catch (err) {
        const code = err instanceof LongRunningError ? err.code : undefined;
        if (code === ErrorCode.NotFound) return;
        if (code === ErrorCode.IllegalTransition) {
          const state = (await plane.get(id).catch(() => undefined))?.head.state;
          if (state === 'completed' || state === 'cancelled') return;
        }
        await sleep(Math.min(1_000, 100 * attempt));
      }
    }
    this.counts.gaveUp++;
  }

  /**
   * Sends an accepted event once more with the same id: it must be answered
   * `duplicate` (counted in `eventRedelivered` otherwise, a broken guarantee). A
   * transient failure of this repeat checks nothing and is not retried.
   */
  async #sendAgain(plane: ControlPlane, id: string, event: Parameters<ControlPlane['sendEvent']>[1]): Promise<void> {
    const again = await plane.sendEvent(id, event).catch(() => undefined);
    if (again?.delivery === 'duplicate') this.counts.eventDuplicate++;
    else if (again) this.counts.eventRedelivered++;
  }

  /** One control action, retried after transient errors; true if it (or an earlier try of it) applied. */
  async #act(plan: PlannedExecution, id: string, action: ControlMarker['action']): Promise<boolean> {
    const plane = this.#planes[plan.shard]!;
    this.markers.push({ id, t: Date.now(), action });
    const done = await this.#persist(() => plane[action](id));
    if (done !== undefined) this.counts[action]++;
    return done !== undefined;
  }

  async #persist<T>(call: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const code = err instanceof LongRunningError ? err.code : undefined;
        if (code === ErrorCode.IllegalTransition || code === ErrorCode.NotFound) {
          this.counts.illegal++;
          return undefined;
        }
        if (attempt >= ATTEMPTS) {
          this.counts.gaveUp++;
          return undefined;
        }
        await sleep(100 * attempt);
      }
    }
  }

  #track(work: Promise<unknown>): void {
    const p: Promise<void> = work.then(
      () => undefined,
      () => undefined,
    );
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }
}

/** The sleep and event wait a plan asks for, as the execution's input carries them. */
function waitsOf(plan: PlannedExecution): ChaosWaits | undefined {
  const waits: ChaosWaits = {
    ...(plan.sleepStep !== undefined ? { sleep: { step: plan.sleepStep, ms: plan.sleepMs ?? 0 } } : {}),
    ...(plan.eventStep !== undefined ? { event: { step: plan.eventStep } } : {}),
  };
  return waits.sleep || waits.event ? waits : undefined;
}
