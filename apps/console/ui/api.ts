/**
 * The console's calls to the HTTP API. The page is served beside the API (the dev
 * server and the signing proxy both answer it under `/api`), so every call is
 * same-origin. Errors carry the API's own code and message.
 */
import type { StateCountsView, WorkflowUsage } from '../../../lib/runtime/control-plane.js';
import type { CheckpointView, ExecutionView, JobView } from '../../../lib/runtime/execution-view.js';

export type { CheckpointView, ExecutionView, JobView, WorkflowUsage };
export { describeUsage } from '../../../lib/runtime/execution-view.js';

/** Where the API is, relative to the page's origin. */
export const API_BASE = '/api';

/** The states a list can be filtered by (the API's `state` parameter). */
export const STATES = [
  'running',
  'waiting',
  'paused',
  'failed',
  'completed',
  'cancelled',
  'initialized',
  'resuming',
] as const;
export type StateName = (typeof STATES)[number];

/** A page of a list. */
export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/** `GET /counts`: executions per state, each at least `count` when `capped`. */
export type StateCounts = StateCountsView;

/** `GET /workflows`. */
export interface WorkflowInfo {
  name: string;
  version?: string;
  steps: string[];
}

/** An error answered by the API (or the network), worded as the API words it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The controls of one execution that take no body. */
export type Action = 'pause' | 'resume' | 'cancel' | 'retry';

/** Filters of the execution list. */
export interface ListFilter {
  state?: StateName | undefined;
  workflow?: string | undefined;
  name?: string | undefined;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${API_BASE}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      credentials: 'same-origin',
    });
  } catch (err) {
    throw new ApiError(
      0,
      'NETWORK',
      `the API could not be reached: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new ApiError(
      response.status,
      'BAD_RESPONSE',
      `the API answered ${response.status} with a body that is not JSON`,
    );
  }
  if (!response.ok) {
    const body = parsed as { error?: { code?: unknown; message?: unknown; details?: unknown }; message?: unknown };
    const error = body?.error;
    // API Gateway's own answers (403 without IAM rights, 429) carry only a top-level message.
    const message = typeof error?.message === 'string' ? error.message : body?.message;
    throw new ApiError(
      response.status,
      typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`,
      typeof message === 'string' ? message : `the API answered ${response.status}`,
      error?.details,
    );
  }
  return parsed as T;
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') q.set(key, String(value));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

const path = (id: string): string => `/executions/${encodeURIComponent(id)}`;

export const api = {
  list: (filter: ListFilter, limit: number, nextToken?: string) =>
    call<Page<ExecutionView>>(
      'GET',
      `/executions${query({ state: filter.state, workflow: filter.workflow, name: filter.name, limit, nextToken })}`,
    ),
  counts: () => call<StateCounts>('GET', '/counts'),
  workflows: () => call<{ items: WorkflowInfo[] }>('GET', '/workflows'),
  setBudget: (id: string, budget: Record<string, number>) =>
    call<ExecutionView & { resumed: boolean }>('POST', `${path(id)}/budget`, budget),
  workflowUsage: (name: string) => call<WorkflowUsage>('GET', `/workflows/${encodeURIComponent(name)}/usage`),
  get: (id: string) => call<ExecutionView>('GET', path(id)),
  checkpoints: (id: string, limit: number, nextToken?: string) =>
    call<Page<CheckpointView>>('GET', `${path(id)}/checkpoints${query({ limit, nextToken })}`),
  act: (id: string, action: Action) => call<ExecutionView & { changed: boolean }>('POST', `${path(id)}/${action}`),
  remove: (id: string) => call<undefined>('DELETE', path(id)),
  sendEvent: (id: string, type: string, payload: unknown, eventId: string) =>
    call<ExecutionView & { delivery: 'resumed' | 'buffered' | 'duplicate' }>('POST', `${path(id)}/events`, {
      type,
      eventId,
      ...(payload === undefined ? {} : { payload }),
    }),
  fork: (id: string, fromCheckpoint: number, state?: unknown) =>
    call<ExecutionView>('POST', `${path(id)}/fork`, { fromCheckpoint, ...(state === undefined ? {} : { state }) }),
  rewind: (id: string, toCheckpoint: number, state?: unknown) =>
    call<ExecutionView>('POST', `${path(id)}/rewind`, { toCheckpoint, ...(state === undefined ? {} : { state }) }),
};
