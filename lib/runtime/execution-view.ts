import type { ExecutionHead, StoredCheckpoint } from './model.js';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The public JSON view of an execution, as the HTTP API returns it (`GET
 * /executions/{id}` and the control routes) and the CLI reads it: ISO times,
 * `output` once completed, and the bounded event history when asked for.
 */
export interface ExecutionView {
  id: string;
  name: string;
  workflow: string;
  state: string;
  progress: number;
  currentStep: number;
  totalSteps: number;
  stepNames: string[];
  startTime: string;
  lastUpdate: string;
  endTime?: string;
  error?: { code: string; message: string };
  metadata: Record<string, string>;
  /** The final state, once completed. */
  output?: unknown;
  events?: { type: string; step: number; at: string; attempt?: number; error?: { code: string; message: string } }[];
}

/** Shapes a head for the API; `withEvents` adds the bounded event history. */
export function executionView(head: ExecutionHead, withEvents = false): ExecutionView {
  const view: ExecutionView = {
    id: head.id,
    name: head.name,
    workflow: head.workflow,
    state: head.state,
    progress: head.progress,
    currentStep: head.currentStep,
    totalSteps: head.totalSteps,
    stepNames: head.stepNames,
    startTime: iso(head.startTime),
    lastUpdate: iso(head.lastUpdate),
    metadata: head.metadata,
  };
  if (head.endTime !== undefined) view.endTime = iso(head.endTime);
  if (head.error) view.error = head.error;
  if (head.state === 'completed') view.output = head.data;
  if (withEvents) {
    view.events = head.events.map((e) => ({
      type: e.type,
      step: e.step,
      at: iso(e.at),
      ...(e.attempt !== undefined ? { attempt: e.attempt } : {}),
      ...(e.error ? { error: e.error } : {}),
    }));
  }
  return view;
}

/** The public JSON view of a checkpoint. */
export interface CheckpointView {
  id: string;
  step: number;
  timestamp: string;
  state: unknown;
}

/** The API's view of a checkpoint. */
export function checkpointView(cp: StoredCheckpoint): CheckpointView {
  return { id: cp.id, step: cp.step, timestamp: iso(cp.timestamp), state: cp.state };
}
