import { setTimeout as sleep } from 'node:timers/promises';
import type { FinalizeRequestMiddleware, InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import {
  commitPartOf,
  crashPointOf,
  decideSdkFault,
  executionIdOf,
  operationOf,
  type CrashPoint,
  type SdkFaultKind,
} from './fault-plan.js';
import type { MiddlewareLayer } from './fault-plan.js';
import type { FaultLayer, FaultRates } from './options.js';
import type { Random } from './rng.js';

/** Any AWS SDK v3 client: what the middleware is added to. */
export interface SdkClient {
  middlewareStack: unknown;
}

/** Turns injection off for the drain phase; shared by every middleware of a process. */
export interface FaultSwitch {
  active: boolean;
}

/** What {@link installFaults} injects, and where it reports each fault. */
export interface FaultInjection {
  service: 'dynamodb' | 'sqs';
  random: Random;
  rates: FaultRates;
  mode: FaultLayer;
  slowMs: number;
  switch: FaultSwitch;
  report: (fault: {
    kind: SdkFaultKind;
    command: string;
    op: string;
    layer: MiddlewareLayer;
    id: string | undefined;
  }) => void;
}

type Stack = MiddlewareStack<object, MetadataBearer>;

/** A throttling error like the services' own: nothing was sent. The SDK retries it with backoff. */
export function throttlingError(): Error {
  return Object.assign(new Error('Rate exceeded (injected by the chaos suite)'), {
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
}

/** A connection reset after the request went out: the caller cannot tell whether it landed. */
export function lostResponseError(): Error {
  return Object.assign(new Error('socket hang up (response lost, injected by the chaos suite)'), {
    code: 'ECONNRESET',
    $metadata: {},
  });
}

/**
 * Adds fault injection to `client` at two places: at `initialize` (outside the
 * SDK's retry loop, so the caller sees the fault whatever `maxAttempts` is) and at
 * `finalizeRequest` after the retry middleware (once per attempt, so the SDK may
 * retry it: a retried write whose first try landed is the ambiguous case the store
 * must handle). Lost responses call the service first and then throw; throttling
 * throws before sending; slow responses wait before returning; a duplicated
 * SendMessage is sent twice.
 */
export function installFaults(client: SdkClient, f: FaultInjection): void {
  const stack = client.middlewareStack as Stack;
  const apply = async <T>(layer: MiddlewareLayer, command: string, input: unknown, send: () => Promise<T>) => {
    if (!f.switch.active) return send();
    const kind = decideSdkFault(f.random, f.rates, f.mode, { service: f.service, command, layer });
    if (kind === undefined) return send();
    f.report({ kind, command, op: operationOf(command, input), layer, id: executionIdOf(input) });
    if (kind === 'throttle') throw throttlingError();
    if (kind === 'duplicate') await send();
    const out = await send();
    if (kind === 'slow') await sleep(Math.floor(f.random() * f.slowMs));
    if (kind === 'lost') throw lostResponseError();
    return out;
  };
  const outer: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) =>
    apply('outer', context.commandName ?? '', args.input, () => next(args));
  const inner: FinalizeRequestMiddleware<object, MetadataBearer> = (next, context) => (args) =>
    apply('inner', context.commandName ?? '', args.input, () => next(args));
  stack.add(outer, { step: 'initialize', name: 'chaosFaultsOuter' });
  // Priority low: after the retry middleware (priority high), so once per attempt.
  stack.add(inner, { step: 'finalizeRequest', priority: 'low', name: 'chaosFaultsInner' });
}

/** What {@link installPhaseTracer} reports and where the worker may crash. */
export interface PhaseTracing {
  phase: (op: 'commit' | 'send', id: string, ph: 'start' | 'end' | 'error') => void;
  /** Called at each crash point a request passes; it may kill the process. */
  crashPoint: (point: CrashPoint, id: string | undefined) => void;
}

/**
 * Adds, outermost, a middleware that reports each commit and step send
 * (SendMessage) starting, returning and failing, and passes the crash points
 * (crashPointOf): before a commit is sent, once its checkpoint has landed, once
 * its head update has landed (before the runtime sees the response), and before a
 * send. A commit starts with its checkpoint's PutItem (or its head update, without
 * one) and ends when the head update returns.
 */
export function installPhaseTracer(client: SdkClient, tracing: PhaseTracing): void {
  const stack = client.middlewareStack as Stack;
  const tracer: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const command = context.commandName ?? '';
    const part = commitPartOf(command, args.input);
    const op = part !== undefined ? 'commit' : command === 'SendMessageCommand' ? 'send' : null;
    if (op === null) return next(args);
    const id = executionIdOf(args.input);
    const before = crashPointOf(command, args.input, false);
    if (before) tracing.crashPoint(before, id);
    if (id) tracing.phase(op, id, 'start');
    try {
      const out = await next(args);
      // The commit has landed once the head is updated; after its checkpoint alone it is still under way.
      if (id && part !== 'checkpoint') tracing.phase(op, id, 'end');
      const after = crashPointOf(command, args.input, true);
      if (after) tracing.crashPoint(after, id);
      return out;
    } catch (err) {
      if (id) tracing.phase(op, id, 'error');
      throw err;
    }
  };
  stack.add(tracer, { step: 'initialize', priority: 'high', name: 'chaosPhaseTracer' });
}
