import type { CancelTimer, Clock, RepeatingJob } from '../core/clock.js';

const NO_JOBS: readonly RepeatingJob[] = Object.freeze([]);

/**
 * The heartbeat and periodic-checkpoint timer of one execution's steps. Each step
 * (each attempt) starts its jobs afresh with {@link StepTimers.begin}, so every job
 * is due `ms` after the step began and then every `ms`, as with
 * `setRepeatingTimers`; but one background timer serves all the steps of the run.
 * A step that begins later than the armed timer only moves its jobs' due times: the
 * timer fires early, finds nothing due and is set again for the first due job. So a
 * run of many short steps sets a timer about once per interval, not once per step.
 * The timer never keeps the process running.
 */
export class StepTimers {
  #jobs: readonly RepeatingJob[] = NO_JOBS;
  #due: number[] = [];
  #armedAt = Infinity;
  #cancel: CancelTimer | undefined;

  constructor(readonly clock: Clock) {}

  /** Starts `jobs` for a step beginning now. */
  begin(jobs: readonly RepeatingJob[]): void {
    const now = this.clock.now();
    this.#jobs = jobs;
    const due = this.#due.length === jobs.length ? this.#due : new Array<number>(jobs.length);
    for (let i = 0; i < jobs.length; i++) due[i] = now + jobs[i]!.ms;
    this.#due = due;
    this.#arm(now);
  }

  /** The step ended: no job runs until the next {@link begin}. The timer, if set, fires idle. */
  end(): void {
    this.#jobs = NO_JOBS;
  }

  /** Stops the jobs and cancels the timer (the run loop ended). */
  stop(): void {
    this.end();
    this.#cancel?.();
    this.#cancel = undefined;
    this.#armedAt = Infinity;
  }

  #arm(now: number): void {
    let next = Infinity;
    for (let i = 0; i < this.#jobs.length; i++) next = Math.min(next, this.#due[i] ?? Infinity);
    if (next >= this.#armedAt || next === Infinity) return;
    this.#cancel?.();
    this.#armedAt = next;
    this.#cancel = this.clock.setTimer(next - now, () => this.#fire(), { keepAlive: false });
  }

  #fire(): void {
    this.#cancel = undefined;
    this.#armedAt = Infinity;
    const now = this.clock.now();
    const jobs = this.#jobs;
    for (const [i, job] of jobs.entries()) {
      // A job may end the step (or begin another): stop once the jobs are not these.
      if (this.#jobs !== jobs) return;
      if ((this.#due[i] ?? Infinity) > now) continue;
      job.callback();
      if (this.#jobs === jobs) this.#due[i] = now + job.ms;
    }
    if (this.#jobs === jobs) this.#arm(now);
  }
}
