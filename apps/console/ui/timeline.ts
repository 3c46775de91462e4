/**
 * What the console derives from an execution and its checkpoints: the step
 * timeline, the controls its state allows, and readable times. Pure, so it is
 * tested without a browser.
 */
import type { CheckpointView, ExecutionView } from '../../../lib/runtime/execution-view.js';

/** One step run of the timeline (a committed run, or the one in progress). */
export interface TimelineEntry {
  /** The step's index in the step list. */
  step: number;
  name: string;
  /** committed: it produced `checkpoint`; current: the next step to run (or waiting, failed, ...). */
  status: 'committed' | 'current' | 'superseded';
  /** The checkpoint this run produced (its `seq`). */
  checkpoint?: number;
  /** From its input checkpoint to the checkpoint it produced (queueing included), in ms. */
  durationMs?: number;
  /** When the run was committed, ISO. */
  at?: string;
  /** Failed attempts recorded in the execution's recent events for this run. */
  failedAttempts?: number;
  error?: { code: string; message: string };
}

/**
 * The timeline from the checkpoints known (any subset of the list, any order): a
 * run is known when both its input checkpoint (`seq - 1`) and its output (`seq`)
 * are loaded. Newest first, like the checkpoint list, with the current step on top
 * while the execution is unfinished or failed.
 */
export function timeline(exec: ExecutionView, checkpoints: readonly CheckpointView[]): TimelineEntry[] {
  const bySeq = new Map(checkpoints.map((c) => [c.seq, c]));
  const entries: TimelineEntry[] = [];
  const failures = (exec.events ?? []).filter((e) => e.type === 'step_failed');
  const seqs = [...bySeq.keys()].sort((a, b) => b - a);
  for (const seq of seqs) {
    const output = bySeq.get(seq);
    const input = bySeq.get(seq - 1);
    if (!output || !input || output.rewoundTo !== undefined) continue;
    const step = input.step;
    entries.push({
      step,
      name: input.stepName ?? exec.stepNames[step] ?? `step ${step}`,
      status: output.superseded ? 'superseded' : 'committed',
      checkpoint: seq,
      durationMs: Date.parse(output.timestamp) - Date.parse(input.timestamp),
      at: output.timestamp,
    });
  }
  const finished = exec.state === 'completed' || exec.state === 'cancelled';
  if (!finished && exec.currentStep < exec.totalSteps) {
    const attempts = failures.filter((e) => e.step === exec.currentStep && !isBeforeLatestCommit(e.at, entries));
    entries.unshift({
      step: exec.currentStep,
      name: exec.stepNames[exec.currentStep] ?? `step ${exec.currentStep}`,
      status: 'current',
      ...(attempts.length > 0 ? { failedAttempts: Math.max(...attempts.map((e) => e.attempt ?? 1)) } : {}),
      ...(exec.error ? { error: exec.error } : {}),
    });
  }
  return entries;
}

/** True when a failure happened before the newest committed run (it belongs to an earlier run). */
function isBeforeLatestCommit(at: string, entries: readonly TimelineEntry[]): boolean {
  const newest = entries.find((e) => e.status === 'committed')?.at;
  return newest !== undefined && Date.parse(at) < Date.parse(newest);
}

/** The controls of the execution page, in the order shown. */
export type Control = 'pause' | 'resume' | 'cancel' | 'retry' | 'delete' | 'send-event';

/** The controls an execution in `state` allows (the API's transition table). */
export function controlsFor(state: string): Control[] {
  switch (state) {
    case 'running':
    case 'resuming':
      return ['pause', 'cancel', 'send-event'];
    case 'waiting':
      return ['pause', 'cancel', 'send-event'];
    case 'initialized':
      return ['cancel', 'send-event'];
    case 'paused':
      return ['resume', 'cancel', 'send-event'];
    case 'failed':
      return ['retry', 'delete'];
    case 'completed':
    case 'cancelled':
      return ['delete'];
    default:
      return [];
  }
}

/** Rewind is allowed from these states (to a checkpoint that is not the output of a completed execution). */
export const REWINDABLE = new Set(['paused', 'failed', 'cancelled', 'completed']);

/** True when the state is final. */
export const isFinished = (state: string): boolean =>
  state === 'completed' || state === 'failed' || state === 'cancelled';

/** A duration for people: `850 ms`, `4.2 s`, `3 min 5 s`, `2 h 10 min`, `3 d 4 h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const s = ms / 1_000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const whole = Math.floor(s);
  const [d, h, m, sec] = [
    Math.floor(whole / 86_400),
    Math.floor(whole / 3_600) % 24,
    Math.floor(whole / 60) % 60,
    whole % 60,
  ];
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min ${sec} s`;
}

/** How long ago (or how far ahead) `iso` is from `now`: `5 s ago`, `in 3 min 0 s`. */
export function relativeTime(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const delta = now - t;
  if (Math.abs(delta) < 1_000) return 'just now';
  return delta > 0 ? `${formatDuration(delta)} ago` : `in ${formatDuration(-delta)}`;
}
