import type { TraceLine } from './trace-lines.js';

/** Where an execution was in one worker when that worker was killed. */
export type KillPhase = 'received' | 'mid-step' | 'mid-commit' | 'after-commit';

/**
 * What one worker is doing, per execution, as its trace lines tell it: a message
 * received and not yet claimed, a step claimed and running, a commit sent and not yet answered, or a commit landed and
 * the next step not yet sent. Entries leave when the message's outcome is printed.
 */
export class PhaseTracker {
  readonly #phases = new Map<string, { phase: KillPhase; t: number }>();

  /** Updates the phases from one line of this worker. */
  see(line: TraceLine): void {
    if (line.k === 'recv') {
      if (!this.#phases.has(line.id)) this.#phases.set(line.id, { phase: 'received', t: line.t });
    } else if (line.k === 'ev') {
      if (line.type === 'step_started') this.#phases.set(line.id, { phase: 'mid-step', t: line.t });
      else if (line.type === 'step_failed' || line.type === 'execution_completed') this.#phases.delete(line.id);
    } else if (line.k === 'req') {
      const current = this.#phases.get(line.id);
      if (line.op === 'commit' && line.ph === 'start') this.#phases.set(line.id, { phase: 'mid-commit', t: line.t });
      else if (line.op === 'commit' && line.ph === 'end')
        this.#phases.set(line.id, { phase: 'after-commit', t: line.t });
      else if (line.ph === 'error' || (line.op === 'send' && line.ph === 'end' && current?.phase === 'after-commit'))
        this.#phases.delete(line.id);
    } else if (line.k === 'out') {
      this.#phases.delete(line.id);
    }
  }

  /**
   * The executions caught at a kill at `now`: entries older than `maxAgeMs` are
   * left out (their message ended without an outcome line, e.g. it threw).
   */
  inFlight(now: number, maxAgeMs: number): { id: string; phase: KillPhase }[] {
    return [...this.#phases].filter(([, p]) => now - p.t <= maxAgeMs).map(([id, p]) => ({ id, phase: p.phase }));
  }
}
