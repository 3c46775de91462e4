import { type Clock, systemClock } from '../core/clock.js';
import type { EpochMs, StepMessage } from '../runtime/model.js';
import type { JobMessage } from '../runtime/bulk-model.js';
import type { StepQueue } from '../runtime/ports.js';
import { assertDelaySeconds, checkedStepMessage } from '../runtime/step-message.js';
import { promiseNow } from '../core/promise-now.js';

/** A message as the in-memory queue holds it. */
export interface QueuedMessage {
  message: StepMessage | JobMessage;
  delaySeconds: number;
  sentAt: EpochMs;
  /** When the message can be received: `sentAt + delaySeconds * 1000`. */
  visibleAt: EpochMs;
}

/** Options of {@link InMemoryStepQueue}. */
export interface InMemoryStepQueueOptions {
  /** The clock delays are measured on (only its `now` is read); {@link systemClock} by default. */
  clock?: Clock;
  /** How long a message whose handler threw stays invisible before redelivery (SQS's visibility timeout). */
  visibilityTimeoutSeconds?: number;
}

/**
 * A {@link StepQueue} in memory with SQS's delay rules, for tests and local runs:
 * `receive` hands out the messages visible at a time, `drain` feeds them to a
 * handler until none is visible, and `sent` keeps every message ever sent.
 *
 * @example
 * const clock = new ManualClock(Date.UTC(2025, 0, 1));
 * const queue = new InMemoryStepQueue({ clock });
 * await queue.drain((message) => processStepMessage(message, { deadline: clock.now() + 60_000 }, { ...deps, clock }));
 */
export class InMemoryStepQueue implements StepQueue {
  /** Every message sent, in order, including those already received. */
  readonly sent: QueuedMessage[] = [];
  readonly #clock: Clock;
  readonly #visibilityTimeoutMs: number;
  #waiting: QueuedMessage[] = [];

  constructor(options: InMemoryStepQueueOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#visibilityTimeoutMs = (options.visibilityTimeoutSeconds ?? 30) * 1000;
  }

  /** Queues `message`, visible after `delaySeconds` (a whole number from 0 to 900). */
  send(message: StepMessage | JobMessage, delaySeconds = 0): Promise<void> {
    return promiseNow(() => {
      assertDelaySeconds(delaySeconds);
      const checked = checkedStepMessage(message);
      const sentAt = this.#clock.now();
      const entry: QueuedMessage = { message: checked, delaySeconds, sentAt, visibleAt: sentAt + delaySeconds * 1000 };
      this.sent.push(entry);
      this.#waiting.push(entry);
    });
  }

  /** Removes and returns the messages visible at `now`, earliest visible first. */
  receive(now: EpochMs = this.#clock.now()): QueuedMessage[] {
    const visible = this.#waiting.filter((m) => m.visibleAt <= now).sort((a, b) => a.visibleAt - b.visibleAt);
    this.#waiting = this.#waiting.filter((m) => m.visibleAt > now);
    return visible;
  }

  /** The messages not yet received, visible or not. */
  pending(): QueuedMessage[] {
    return [...this.#waiting];
  }

  /** How many messages are waiting, visible or not. */
  get size(): number {
    return this.#waiting.length;
  }

  /** When the earliest waiting message becomes visible, if any is waiting. */
  nextVisibleAt(): EpochMs | undefined {
    return this.#waiting.reduce<EpochMs | undefined>(
      (min, m) => (min === undefined || m.visibleAt < min ? m.visibleAt : min),
      undefined,
    );
  }

  /** Drops every waiting message (as if they were lost). */
  clear(): void {
    this.#waiting = [];
  }

  /**
   * Receives and handles messages, each batch concurrently, until none is visible
   * at the clock's time. A message whose handler throws goes back to the queue
   * after the visibility timeout, like SQS, and the first such error is rethrown
   * once the batch settles. Returns how many messages were handled.
   */
  async drain(
    handle: (message: StepMessage | JobMessage) => Promise<unknown>,
    options: { maxMessages?: number } = {},
  ): Promise<number> {
    const maxMessages = options.maxMessages ?? 10_000;
    let handled = 0;
    for (let batch = this.receive(); batch.length > 0; batch = this.receive()) {
      handled += batch.length;
      if (handled > maxMessages)
        throw new Error(`drain handled more than ${maxMessages} messages: is something looping?`);
      const results = await Promise.allSettled(batch.map((entry) => handle({ ...entry.message })));
      const failed = results.flatMap((r, i) =>
        r.status === 'rejected' ? [{ reason: r.reason as unknown, entry: batch[i] }] : [],
      );
      for (const { entry } of failed) {
        if (entry) this.#waiting.push({ ...entry, visibleAt: this.#clock.now() + this.#visibilityTimeoutMs });
      }
      const first = failed[0];
      if (first) throw first.reason;
    }
    return handled;
  }
}
