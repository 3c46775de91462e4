import type { StepFault } from './chaos-workflow.js';
import type { FaultLayer, FaultRates } from './options.js';
import type { Random } from './rng.js';
import { TableKeys } from '../../lib/aws/schema/table-schema.js';

/** The SDK-level faults. */
export type SdkFaultKind = 'lost' | 'throttle' | 'slow' | 'duplicate';

/** Where a middleware sits: outside the SDK's retry loop, or inside it (once per attempt). */
export type MiddlewareLayer = 'outer' | 'inner';

/** The request a fault is decided for. */
export interface RequestFacts {
  service: 'dynamodb' | 'sqs';
  /** The SDK command name, e.g. `TransactWriteItemsCommand`. */
  command: string;
  layer: MiddlewareLayer;
}

/**
 * The fault (if any) to inject into one request seen by the middleware at
 * `req.layer`. With `mode` both, each layer draws at half the rates, so a call
 * meets about `rate` faults in all. Duplicates apply only to SQS SendMessage, at
 * the outer layer (one call, two messages). Precedence when rates add up past 1:
 * lost, throttle, slow, duplicate.
 */
export function decideSdkFault(
  random: Random,
  rates: Pick<FaultRates, 'lost' | 'throttle' | 'slow' | 'duplicate'>,
  mode: FaultLayer,
  req: RequestFacts,
): SdkFaultKind | undefined {
  const share = mode === 'both' ? 0.5 : mode === req.layer ? 1 : 0;
  const canDuplicate = req.service === 'sqs' && req.command === 'SendMessageCommand' && req.layer === 'outer';
  const u = random();
  let edge = 0;
  for (const [kind, rate] of [
    ['lost', rates.lost * share],
    ['throttle', rates.throttle * share],
    ['slow', rates.slow * share],
    ['duplicate', canDuplicate ? rates.duplicate : 0],
  ] as const) {
    edge += rate;
    if (u < edge) return kind;
  }
  return undefined;
}

/** The fault (if any) of one step attempt. Precedence: throw, hang, oversize. */
export function decideStepFault(
  random: Random,
  rates: Pick<FaultRates, 'stepThrow' | 'stepHang' | 'stepOversize'>,
): StepFault | undefined {
  const u = random();
  if (u < rates.stepThrow) return 'throw';
  if (u < rates.stepThrow + rates.stepHang) return 'hang';
  if (u < rates.stepThrow + rates.stepHang + rates.stepOversize) return 'oversize';
  return undefined;
}

/**
 * Where a worker may kill itself: just before a commit is sent, once its
 * checkpoint has landed and the head is not yet updated, once it has landed,
 * just before a send.
 */
export type CrashPoint = 'before-commit' | 'checkpoint-landed' | 'commit-landed' | 'before-send';

/** A key attribute as a string, whether the input is in the document client's form or the wire form (`{ S }`). */
function keyText(value: unknown): string {
  if (typeof value === 'string') return value;
  const wire = (value as { S?: unknown } | undefined)?.S;
  return typeof wire === 'string' ? wire : '';
}

/**
 * Which part of a commit a request is: `checkpoint` (the PutItem of a checkpoint,
 * sent first), `head` (a fenced update of the head, which is the commit: an
 * UpdateItem that returns nothing, unlike a claim or a heartbeat, or a
 * transaction), or neither.
 */
export function commitPartOf(command: string, input: unknown): 'checkpoint' | 'head' | undefined {
  const i = (input ?? {}) as { Item?: { sk?: unknown }; Key?: { sk?: unknown }; ReturnValues?: unknown };
  if (command === 'TransactWriteItemsCommand') return 'head';
  if (command === 'PutItemCommand' && keyText(i.Item?.sk).startsWith(TableKeys.checkpointPrefix)) return 'checkpoint';
  if (command === 'UpdateItemCommand' && keyText(i.Key?.sk) === TableKeys.headSk && i.ReturnValues !== 'ALL_NEW')
    return 'head';
  return undefined;
}

/** The crash point (if any) a request passes, by command, input and whether it has returned. */
export function crashPointOf(command: string, input: unknown, returned: boolean): CrashPoint | undefined {
  if (command === 'SendMessageCommand') return returned ? undefined : 'before-send';
  const part = commitPartOf(command, input);
  if (part === 'checkpoint') return returned ? 'checkpoint-landed' : 'before-commit';
  // A head update after a checkpoint put has its crash point before it: 'checkpoint-landed'.
  if (part === 'head')
    return returned ? 'commit-landed' : command === 'TransactWriteItemsCommand' ? 'before-commit' : undefined;
  return undefined;
}

/**
 * What a request does in the protocol, read from its input: `claim`, `heartbeat`
 * and `update` (a fenced write or a control action) among UpdateItems, `commit` and
 * `create` among transactions, `send` for SendMessage, else the command's name. Only
 * a label for the report: a request the store shapes differently reads as `update`.
 */
export function operationOf(command: string, input: unknown): string {
  const i = (input ?? {}) as {
    ReturnValues?: unknown;
    ExpressionAttributeNames?: Record<string, unknown>;
    TransactItems?: { Put?: { Item?: Record<string, unknown> } }[];
  };
  if (command === 'SendMessageCommand') return 'send';
  if (commitPartOf(command, input) === 'checkpoint') return 'checkpoint';
  if (command === 'TransactWriteItemsCommand') {
    const keys = (i.TransactItems ?? []).map((t) => JSON.stringify(t.Put?.Item?.['sk'] ?? ''));
    return keys.some((k) => k.includes('CP#0000000000')) ? 'create' : 'commit';
  }
  if (command === 'UpdateItemCommand') {
    const names = Object.values(i.ExpressionAttributeNames ?? {});
    if (i.ReturnValues === 'ALL_NEW' && names.includes('claims')) return 'claim';
    if (i.ReturnValues === 'ALL_NEW' && names.includes('leaseExpiresAt')) return 'heartbeat';
    return 'update';
  }
  return command.replace(/Command$/, '');
}

/** The execution id a request is about, found in its input (a key, an item, a message body). */
export function executionIdOf(input: unknown): string | undefined {
  let text: string;
  try {
    text = JSON.stringify(input) ?? '';
  } catch {
    return undefined;
  }
  return /exec_[0-9a-f]{32}/.exec(text)?.[0];
}
