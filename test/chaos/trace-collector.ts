import type { KillRecord } from './worker-pool.js';
import type { FaultMark } from './recovery.js';
import type { TraceLine } from './trace-lines.js';

/** Per-execution facts gathered from the trace lines. */
interface ExecutionTrace {
  claims: Map<number, number[]>;
  faults: FaultMark[];
}

/** Hooks the driver reacts with. */
export interface TraceHooks {
  stepCompleted: (id: string, step: number) => void;
  executionFailed: (id: string) => void;
  executionCompleted: (id: string) => void;
}

/**
 * Gathers what the worker (and driver) lines tell: every injected fault by kind,
 * each execution's claims and the faults that touched it, step starts (for re-runs),
 * message outcomes, and the warnings and errors logged.
 */
export class TraceCollector {
  readonly faults = new Map<string, number>();
  readonly outcomes = new Map<string, number>();
  /** Steps workers ran chained after their message's own (chainSteps), as their outcome lines said. */
  chainedSteps = 0;
  readonly logs = new Map<string, number>();
  readonly kills: KillRecord[] = [];
  /** When any worker died (killed by the driver, or crashed at a crash point). */
  readonly deaths: number[] = [];
  stepStarts = 0;
  readonly #executions = new Map<string, ExecutionTrace>();
  readonly #hooks: TraceHooks;
  readonly #sink: ((text: string) => void) | undefined;

  constructor(hooks: TraceHooks, sink?: (text: string) => void) {
    this.#hooks = hooks;
    this.#sink = sink;
  }

  see(line: TraceLine): void {
    this.#sink?.(JSON.stringify(line));
    switch (line.k) {
      case 'ev':
        if (line.type === 'step_started') {
          this.stepStarts++;
          const claims = this.#of(line.id).claims;
          claims.set(line.step, [...(claims.get(line.step) ?? []), line.at]);
        } else if (line.type === 'step_completed') this.#hooks.stepCompleted(line.id, line.step);
        else if (line.type === 'execution_failed') this.#hooks.executionFailed(line.id);
        else if (line.type === 'execution_completed') this.#hooks.executionCompleted(line.id);
        return;
      case 'fault': {
        this.#count(this.faults, line.kind);
        this.#count(this.faults, `${line.kind}:${line.layer}`);
        const where = line.w === 'driver' ? 'driver:' : '';
        if (line.id)
          this.#of(line.id).faults.push({ t: line.t, kind: `${where}${line.kind}:${line.op}:${line.layer}` });
        return;
      }
      case 'step-fault':
        this.#count(this.faults, `step-${line.kind}`);
        this.#of(line.id).faults.push({ t: line.t, kind: `step-${line.kind}` });
        return;
      case 'crash':
        this.deaths.push(line.t);
        this.#count(this.faults, 'crash');
        this.#count(this.faults, `crash:${line.point}`);
        if (line.id) this.#of(line.id).faults.push({ t: line.t, kind: `crash:${line.point}` });
        return;
      case 'out':
        this.#count(this.outcomes, line.status);
        this.chainedSteps += line.chained ?? 0;
        return;
      case 'log':
        this.#count(this.logs, `${line.level}: ${line.msg}`);
        return;
      default:
        return;
    }
  }

  /** Records a SIGKILL by the driver, marking each execution it caught. */
  kill(record: KillRecord): void {
    this.kills.push(record);
    this.deaths.push(record.t);
    this.#count(this.faults, 'kill');
    for (const { id, phase } of record.caught) {
      this.#count(this.faults, `kill:${phase}`);
      this.#of(id).faults.push({ t: record.t, kind: `kill:${phase}` });
    }
  }

  /** The claims and fault marks of `id`. */
  execution(id: string): ExecutionTrace {
    return this.#executions.get(id) ?? { claims: new Map(), faults: [] };
  }

  /** Step starts beyond the first of each (execution, step): attempts that ran a step again. */
  get reruns(): number {
    let firsts = 0;
    for (const e of this.#executions.values()) firsts += e.claims.size;
    return this.stepStarts - firsts;
  }

  #of(id: string): ExecutionTrace {
    let e = this.#executions.get(id);
    if (!e) this.#executions.set(id, (e = { claims: new Map(), faults: [] }));
    return e;
  }

  #count(map: Map<string, number>, key: string): void {
    map.set(key, (map.get(key) ?? 0) + 1);
  }
}
