import type { StepFault } from './chaos-workflow.js';
import type { CrashPoint, MiddlewareLayer, SdkFaultKind } from './fault-plan.js';

/**
 * The JSON lines worker processes print on stdout (one object a line) and the
 * driver collects: phases for classifying kills, lifecycle events for recovery
 * times, and every injected fault. `t` is the writer's Date.now(); `w` names the
 * writer (`w<index>.<generation>`, or `driver`).
 */
export type TraceLine =
  | { k: 'ready'; t: number; w: string; pid: number }
  /** A message handed to the step worker (received, not yet claimed). */
  | { k: 'recv'; t: number; w: string; id: string; step: number }
  /** A lifecycle event from the runtime's onEvent; `at` is the event's own time (taken before its write). */
  | { k: 'ev'; t: number; w: string; id: string; type: string; step: number; at: number; error?: string }
  /** A commit (TransactWriteItems) or a step send (SendMessage) starting, returning or failing. */
  | { k: 'req'; t: number; w: string; op: 'commit' | 'send'; id: string; ph: 'start' | 'end' | 'error' }
  /** An injected SDK fault; `op` is what the request does (claim, commit, send, ...). */
  | {
      k: 'fault';
      t: number;
      w: string;
      id?: string;
      kind: SdkFaultKind;
      command: string;
      op: string;
      layer: MiddlewareLayer;
    }
  | { k: 'step-fault'; t: number; w: string; id: string; step: number; attempt: number; kind: StepFault }
  | { k: 'crash'; t: number; w: string; id?: string; point: CrashPoint }
  /** What processStepMessage did with a message. */
  | { k: 'out'; t: number; w: string; id: string; step: number; status: string; chained?: number }
  | { k: 'log'; t: number; w: string; level: string; msg: string; error?: string };

/** Parses one line; undefined for anything that is not a trace line (stray output). */
export function parseTraceLine(text: string): TraceLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as { k?: unknown; t?: unknown; w?: unknown };
    return typeof value.k === 'string' && typeof value.t === 'number' && typeof value.w === 'string'
      ? (value as TraceLine)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a stream of chunks into lines, calling `onLine` for each complete one. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer | string) => void {
  let rest = '';
  return (chunk) => {
    rest += chunk.toString();
    let nl = rest.indexOf('\n');
    while (nl >= 0) {
      const line = rest.slice(0, nl).trim();
      rest = rest.slice(nl + 1);
      if (line) onLine(line);
      nl = rest.indexOf('\n');
    }
  };
}
