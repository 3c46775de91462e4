import {
  ErrorCode,
  checkpointView,
  type ControlPlane,
  type ExecutionHead,
  executionView,
  jobView,
  type BulkAction,
  type WorkflowRegistry,
} from '../../lib/index.js';
import { type ApiRequest, parseJsonBody, validate } from './request.js';
import { type ApiResult, apiError, json, noContent } from './response.js';
import { linkStates, type StateLinker } from './state-links.js';
import { type InputUploads, uploadsUnavailable } from './uploads.js';
import {
  bulkBodySchema,
  callbackBodySchema,
  emptySchema,
  eventBodySchema,
  executionIdSchema,
  forkBodySchema,
  rewindBodySchema,
  listQuerySchema,
  pageQuerySchema,
  startBodySchema,
  workflowNameSchema,
} from './schemas.js';

/** What the routes call. */
export interface RouteDeps {
  control: ControlPlane;
  workflows: WorkflowRegistry;
  /** Links to offloaded states (presigned GETs), shown beside their references; absent: references only. */
  stateLink?: StateLinker;
  /** Start inputs uploaded to the state bucket (`POST /executions/uploads`); absent without one. */
  uploads?: InputUploads;
}

type Handler = (req: ApiRequest, deps: RouteDeps, id: string) => Promise<ApiResult>;

const ACTIONS = ['pause', 'resume', 'cancel', 'retry'] as const;
const BULK_ACTIONS = ['redrive', 'cancel', 'pause'] as const satisfies readonly BulkAction[];
type Action = (typeof ACTIONS)[number];

/** Control routes take no body; an empty object is tolerated. */
function assertNoBody(req: ApiRequest): void {
  const body = parseJsonBody(req.body, false);
  if (body !== undefined) validate(emptySchema, body, 'body');
}

/** A JSON response whose offloaded states carry a link to read them. */
const reply = async (
  deps: RouteDeps,
  status: number,
  body: object,
  headers: Record<string, string> = {},
): Promise<ApiResult> => json(status, await linkStates(body, deps.stateLink), headers);

const view = (deps: RouteDeps, head: ExecutionHead): Promise<ApiResult> => reply(deps, 200, executionView(head, true));

const collection: Record<string, Handler> = {
  POST: async (req, deps) => {
    const body = validate(startBodySchema, parseJsonBody(req.body, true), 'body');
    const uploadId = body.inputUpload;
    let input: unknown = body.input ?? null;
    if (uploadId !== undefined) {
      if (deps.uploads === undefined) throw uploadsUnavailable();
      input = await deps.uploads.read(uploadId);
    }
    const { head, created } = await deps.control.start({
      workflow: body.workflow,
      input,
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.steps !== undefined ? { steps: body.steps } : {}),
      ...(body.idempotencyKey !== undefined ? { idempotencyKey: body.idempotencyKey } : {}),
      ...(body.maxStepRuns !== undefined ? { maxStepRuns: body.maxStepRuns } : {}),
      ...(body.budget !== undefined ? { budget: body.budget as Record<string, number> } : {}),
    });
    // The input is in the execution now (or was already, for a repeated idempotent start).
    if (uploadId !== undefined) await deps.uploads?.discard(uploadId);
    return reply(
      deps,
      created ? 201 : 200,
      executionView(head, true),
      created ? { location: `/executions/${head.id}` } : {},
    );
  },
  GET: async (req, deps) => {
    const q = validate(listQuerySchema, req.query, 'query');
    const page = await deps.control.list({
      ...(q.state !== undefined ? { state: q.state } : {}),
      ...(q.workflow !== undefined ? { workflow: q.workflow } : {}),
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
      ...(q.nextToken !== undefined ? { nextToken: q.nextToken } : {}),
    });
    return reply(deps, 200, {
      items: page.items.map((h) => executionView(h)),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    });
  },
};

// A URL to upload a start input too large for a request body to; the client then
// starts with `inputUpload` naming it.
const uploads: Record<string, Handler> = {
  POST: async (req, deps) => {
    assertNoBody(req);
    if (deps.uploads === undefined) throw uploadsUnavailable();
    return json(201, await deps.uploads.create());
  },
};

const item: Record<string, Handler> = {
  GET: async (req, deps, id) => {
    validate(emptySchema, req.query, 'query');
    return view(deps, (await deps.control.get(id, { checkpointsLimit: 1 })).head);
  },
  DELETE: async (_req, deps, id) => {
    await deps.control.delete(id);
    return noContent();
  },
};

const checkpoints: Record<string, Handler> = {
  GET: async (req, deps, id) => {
    const q = validate(pageQuerySchema, req.query, 'query');
    const details = await deps.control.get(id, {
      ...(q.limit !== undefined ? { checkpointsLimit: q.limit } : {}),
      ...(q.nextToken !== undefined ? { checkpointsNextToken: q.nextToken } : {}),
    });
    const page = details.checkpoints;
    return reply(deps, 200, {
      items: page.items.map(checkpointView),
      ...(page.nextToken ? { nextToken: page.nextToken } : {}),
    });
  },
};

const actionRoute = (action: Action): Record<string, Handler> => ({
  POST: async (req, deps, id) => {
    assertNoBody(req);
    const { head, changed } = await deps.control[action](id);
    return reply(deps, 200, { ...executionView(head, true), changed });
  },
});

/** The state a fork or rewind body gives: inline, read from its upload, or undefined (the checkpoint's). */
async function bodyState(
  deps: RouteDeps,
  body: { state?: unknown; stateUpload?: string | undefined },
): Promise<unknown> {
  if (body.stateUpload === undefined) return body.state;
  if (deps.uploads === undefined) throw uploadsUnavailable();
  return deps.uploads.read(body.stateUpload);
}

const fork: Record<string, Handler> = {
  POST: async (req, deps, id) => {
    const body = validate(forkBodySchema, parseJsonBody(req.body, true), 'body');
    const state = await bodyState(deps, body);
    const { head, created } = await deps.control.fork(id, {
      fromCheckpoint: body.fromCheckpoint,
      ...(state !== undefined ? { state } : {}),
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.steps !== undefined ? { steps: body.steps } : {}),
      ...(body.idempotencyKey !== undefined ? { idempotencyKey: body.idempotencyKey } : {}),
    });
    if (body.stateUpload !== undefined) await deps.uploads?.discard(body.stateUpload);
    return reply(
      deps,
      created ? 201 : 200,
      executionView(head, true),
      created ? { location: `/executions/${head.id}` } : {},
    );
  },
};

const rewind: Record<string, Handler> = {
  POST: async (req, deps, id) => {
    const body = validate(rewindBodySchema, parseJsonBody(req.body, true), 'body');
    const state = await bodyState(deps, body);
    const { head, changed } = await deps.control.rewind(id, {
      toCheckpoint: body.toCheckpoint,
      ...(state !== undefined ? { state } : {}),
    });
    if (body.stateUpload !== undefined) await deps.uploads?.discard(body.stateUpload);
    return reply(deps, 200, { ...executionView(head, true), changed });
  },
};

// The body is the budget itself (`{ "costUsd": 5 }`), checked by validateBudget.
const budget: Record<string, Handler> = {
  POST: async (req, deps, id) => {
    const { head, resumed } = await deps.control.setBudget(id, parseJsonBody(req.body, true));
    return reply(deps, 200, { ...executionView(head, true), resumed });
  },
};

const bulkRoute = (action: BulkAction): Record<string, Handler> => ({
  POST: async (req, deps) => {
    // No body is an empty filter; a JSON null is a body that is not an object (400).
    const raw = parseJsonBody(req.body, false);
    const body = validate(bulkBodySchema, raw === undefined ? {} : raw, 'body');
    const { requestId, ...filter } = body;
    const { job, created } = await deps.control.bulk({
      action,
      filter: Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)),
      ...(requestId === undefined ? {} : { requestId }),
    });
    return json(created ? 202 : 200, jobView(job), created ? { location: `/jobs/${job.id}` } : {});
  },
});

const jobs: Record<string, Handler> = {
  GET: async (req, deps, id) => {
    validate(emptySchema, req.query, 'query');
    return json(200, jobView(await deps.control.job(id)));
  },
};

const events: Record<string, Handler> = {
  POST: async (req, deps, id) => {
    const body = validate(eventBodySchema, parseJsonBody(req.body, true), 'body');
    const { head, delivery } = await deps.control.sendEvent(id, {
      type: body.type,
      ...(body.payload !== undefined ? { payload: body.payload } : {}),
      ...(body.eventId !== undefined ? { eventId: body.eventId } : {}),
    });
    return reply(deps, 202, { ...executionView(head, true), delivery });
  },
};

// The one route without IAM: the token is the credential. It answers only how the
// event was taken, never the execution, so a token holder learns nothing else.
const callbacks: Record<string, Handler> = {
  POST: async (req, deps, token) => {
    const body = parseJsonBody(req.body, false);
    const payload = body === undefined ? undefined : validate(callbackBodySchema, body, 'body').payload;
    const { delivery } = await deps.control.completeCallback(token, payload);
    return json(202, { delivery });
  },
};

const workflows: Record<string, Handler> = {
  GET: async (req, deps) => {
    validate(emptySchema, req.query, 'query');
    const items = deps.workflows
      .list()
      .map((w) => ({ name: w.name, ...(w.version ? { version: w.version } : {}), steps: [...w.stepNames] }));
    return json(200, { items });
  },
};

// The usage of a workflow's executions, summed on read (capped: see USAGE_CAP).
const workflowUsage: Record<string, Handler> = {
  GET: async (req, deps, name) => {
    validate(emptySchema, req.query, 'query');
    return json(200, await deps.control.workflowUsage(name));
  },
};

// The count of executions in each state (for a console's overview); its own path,
// since /executions/{id} would take `counts` for an execution id.
const counts: Record<string, Handler> = {
  GET: async (req, deps) => {
    validate(emptySchema, req.query, 'query');
    return json(200, await deps.control.counts());
  },
};

// Every limit key with its use: one Query of the LIMITS partition.
const limits: Record<string, Handler> = {
  GET: async (req, deps) => {
    validate(emptySchema, req.query, 'query');
    return json(200, await deps.control.limits());
  },
};

/** Finds the route of a request: its method table and the execution id in the path, if any. */
function match(segments: string[]): { methods: Record<string, Handler>; id?: string } | undefined {
  const [first, id, sub, ...rest] = segments;
  if (rest.length > 0) return undefined;
  if (first === 'workflows' && id === undefined) return { methods: workflows };
  if (first === 'workflows' && id !== undefined && sub === 'usage')
    return { methods: workflowUsage, id: validate(workflowNameSchema, id, 'workflow name') };
  if (first === 'counts' && id === undefined) return { methods: counts };
  if (first === 'limits' && id === undefined) return { methods: limits };
  if (first === 'callbacks' && id !== undefined && sub === undefined) return { methods: callbacks, id };
  if (first === 'jobs' && id !== undefined && sub === undefined)
    return { methods: jobs, id: validate(executionIdSchema, id, 'job id') };
  if (first !== 'executions') return undefined;
  if (id === undefined) return { methods: collection };
  if (id === 'uploads' && sub === undefined) return { methods: uploads };
  if ((BULK_ACTIONS as readonly string[]).includes(id) && sub === undefined)
    return { methods: bulkRoute(id as BulkAction) };
  const checkedId = validate(executionIdSchema, id, 'execution id');
  if (sub === undefined) return { methods: item, id: checkedId };
  if (sub === 'checkpoints') return { methods: checkpoints, id: checkedId };
  if (sub === 'events') return { methods: events, id: checkedId };
  if (sub === 'fork') return { methods: fork, id: checkedId };
  if (sub === 'rewind') return { methods: rewind, id: checkedId };
  if (sub === 'budget') return { methods: budget, id: checkedId };
  if ((ACTIONS as readonly string[]).includes(sub)) return { methods: actionRoute(sub as Action), id: checkedId };
  return undefined;
}

/** Routes one request: 404 for an unknown path, 405 (with Allow) for a known path and wrong method. */
export async function route(req: ApiRequest, deps: RouteDeps): Promise<ApiResult> {
  const found = match(req.segments);
  if (!found) return apiError(404, ErrorCode.NotFound, `no route for ${req.method} /${req.segments.join('/')}`);
  const handler = found.methods[req.method];
  if (!handler) {
    const allow = Object.keys(found.methods).join(', ');
    return apiError(405, ErrorCode.MethodNotAllowed, `${req.method} is not allowed here; use ${allow}`, {
      headers: { allow },
    });
  }
  // Only reads take query parameters (each GET checks its own); any other route refuses them.
  if (req.method !== 'GET') validate(emptySchema, req.query, 'query');
  return handler(req, deps, found.id ?? '');
}
