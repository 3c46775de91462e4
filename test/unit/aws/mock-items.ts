import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { headToItem } from '../../../lib/aws/execution-store/items.js';
import type { ExecutionHead } from '../../../lib/runtime/model.js';
import type { NewExecution } from '../../../lib/runtime/ports.js';

/** A running head claimed by `a` at version 3, as a test base. */
export function sampleHead(overrides: Partial<ExecutionHead> = {}): ExecutionHead {
  return {
    id: 'exec_1',
    name: 'report',
    workflow: 'reports',
    state: 'running',
    stepNames: ['a', 'b', 'c'],
    currentStep: 1,
    totalSteps: 3,
    progress: 100 / 3,
    data: { n: 1 },
    version: 3,
    claims: 1,
    leaseOwner: 'a',
    leaseExpiresAt: 2000,
    startTime: 0,
    lastUpdate: 1000,
    sweepAt: 5000,
    metadata: {},
    events: [],
    stepRuns: 1,
    maxStepRuns: 10_000,
    inbox: [],
    seenEventIds: [],
    callbacks: [],
    inboxSeq: 0,
    ...overrides,
  };
}

/** The head's item in DynamoDB's wire format, as error payloads carry it. */
export function wireItem(head: ExecutionHead): Record<string, AttributeValue> {
  return toWire(headToItem(head)).M ?? {};
}

function toWire(value: unknown): AttributeValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null || value === undefined) return { NULL: true };
  if (Array.isArray(value)) return { L: value.map(toWire) };
  return { M: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWire(v)])) };
}

/** A new execution of two steps, for tests of the head item a create writes. */
export const SAMPLE_NEW_EXECUTION: NewExecution = {
  id: 'exec-1',
  name: 'n',
  workflow: 'w',
  stepNames: ['a', 'b'],
  input: {},
  now: 1,
  metadata: {},
  sweepAt: 2,
  events: [],
};
