import { describe, expect, it } from 'vitest';
import { crashPointOf, decideSdkFault, decideStepFault, executionIdOf, operationOf } from '../../chaos/fault-plan.js';
import { seededRandom } from '../../chaos/rng.js';

const rates = { lost: 0.1, throttle: 0.1, slow: 0.1, duplicate: 0.1 };
const fixed = (u: number) => () => u;
const send = { service: 'sqs', command: 'SendMessageCommand' } as const;
const update = { service: 'dynamodb', command: 'UpdateItemCommand' } as const;

describe('decideSdkFault', () => {
  it('picks lost, throttle, slow, duplicate by the draw, in that order', () => {
    const at = (u: number) => decideSdkFault(fixed(u), rates, 'outer', { ...send, layer: 'outer' });
    expect([at(0.05), at(0.15), at(0.25), at(0.35), at(0.45)]).toEqual([
      'lost',
      'throttle',
      'slow',
      'duplicate',
      undefined,
    ]);
  });

  it('injects only at the chosen layer, and at half the rates at each with both', () => {
    expect(decideSdkFault(fixed(0.05), rates, 'outer', { ...update, layer: 'inner' })).toBeUndefined();
    expect(decideSdkFault(fixed(0.05), rates, 'inner', { ...update, layer: 'inner' })).toBe('lost');
    expect(decideSdkFault(fixed(0.07), rates, 'both', { ...update, layer: 'inner' })).toBe('throttle');
  });

  it('duplicates only SQS sends, at the outer layer', () => {
    const dup = { lost: 0, throttle: 0, slow: 0, duplicate: 1 };
    expect(decideSdkFault(fixed(0.5), dup, 'both', { ...send, layer: 'outer' })).toBe('duplicate');
    expect(decideSdkFault(fixed(0.5), dup, 'both', { ...send, layer: 'inner' })).toBeUndefined();
    expect(decideSdkFault(fixed(0.5), dup, 'both', { ...update, layer: 'outer' })).toBeUndefined();
  });

  it('injects about the configured share of requests', () => {
    const random = seededRandom(42);
    let lost = 0;
    for (let i = 0; i < 20_000; i++)
      if (decideSdkFault(random, { ...rates, lost: 0.05 }, 'outer', { ...update, layer: 'outer' }) === 'lost') lost++;
    expect(lost / 20_000).toBeGreaterThan(0.04);
    expect(lost / 20_000).toBeLessThan(0.06);
  });
});

describe('decideStepFault', () => {
  it('picks throw, hang, oversize by the draw', () => {
    const r = { stepThrow: 0.1, stepHang: 0.1, stepOversize: 0.1 };
    expect([0.05, 0.15, 0.25, 0.35].map((u) => decideStepFault(fixed(u), r))).toEqual([
      'throw',
      'hang',
      'oversize',
      undefined,
    ]);
  });
});

describe('crash points and execution ids', () => {
  it('names the points around a commit and before a send', () => {
    const put = { Item: { pk: 'EXEC#exec_1', sk: 'CP#0000000001' } };
    const head = { Key: { pk: 'EXEC#exec_1', sk: 'HEAD' }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' };
    expect(crashPointOf('PutItemCommand', put, false)).toBe('before-commit');
    expect(crashPointOf('PutItemCommand', put, true)).toBe('checkpoint-landed');
    expect(crashPointOf('UpdateItemCommand', head, false)).toBeUndefined();
    expect(crashPointOf('UpdateItemCommand', head, true)).toBe('commit-landed');
    // The same in the wire form, as a middleware below the document client sees it.
    expect(crashPointOf('PutItemCommand', { Item: { sk: { S: 'CP#0000000001' } } }, true)).toBe('checkpoint-landed');
    expect(crashPointOf('UpdateItemCommand', { Key: { sk: { S: 'HEAD' } } }, true)).toBe('commit-landed');
    expect(crashPointOf('TransactWriteItemsCommand', {}, false)).toBe('before-commit');
    expect(crashPointOf('TransactWriteItemsCommand', {}, true)).toBe('commit-landed');
    expect(crashPointOf('SendMessageCommand', {}, false)).toBe('before-send');
    expect(crashPointOf('SendMessageCommand', {}, true)).toBeUndefined();
    // Not a commit: a claim or heartbeat (it returns the head), a limit record, a put of another item.
    expect(crashPointOf('UpdateItemCommand', { ...head, ReturnValues: 'ALL_NEW' }, true)).toBeUndefined();
    expect(crashPointOf('UpdateItemCommand', { Key: { pk: 'LIMITS', sk: 'KEY#openai' } }, true)).toBeUndefined();
    expect(crashPointOf('PutItemCommand', { Item: { pk: 'LIMITS', sk: 'KEY#openai' } }, true)).toBeUndefined();
  });

  it('finds the execution id in a key, an item or a message body', () => {
    const id = `exec_${'ab'.repeat(16)}`;
    expect(executionIdOf({ Key: { pk: `EXEC#${id}`, sk: 'HEAD' } })).toBe(id);
    expect(executionIdOf({ TransactItems: [{ Put: { Item: { pk: { S: `EXEC#${id}` } } } }] })).toBe(id);
    expect(executionIdOf({ MessageBody: JSON.stringify({ v: 1, executionId: id, step: 0, token: 0 }) })).toBe(id);
    expect(executionIdOf({ TableName: 't' })).toBeUndefined();
  });
});

describe('operationOf', () => {
  it('tells claims, heartbeats and other updates, commits and creates, and sends apart', () => {
    const names = (...attrs: string[]) => Object.fromEntries(attrs.map((a, i) => [`#n${i}`, a]));
    const claim = { ReturnValues: 'ALL_NEW', ExpressionAttributeNames: names('state', 'leaseOwner', 'claims') };
    const heartbeat = { ReturnValues: 'ALL_NEW', ExpressionAttributeNames: names('version', 'leaseExpiresAt') };
    const release = { ExpressionAttributeNames: names('version', 'claims') };
    expect(operationOf('UpdateItemCommand', claim)).toBe('claim');
    expect(operationOf('UpdateItemCommand', heartbeat)).toBe('heartbeat');
    expect(operationOf('UpdateItemCommand', release)).toBe('update');
    const put = (sk: string) => ({ Put: { Item: { pk: 'EXEC#x', sk } } });
    expect(operationOf('TransactWriteItemsCommand', { TransactItems: [put('CP#0000000003'), {}] })).toBe('commit');
    expect(operationOf('TransactWriteItemsCommand', { TransactItems: [put('HEAD'), put('CP#0000000000')] })).toBe(
      'create',
    );
    expect(operationOf('SendMessageCommand', {})).toBe('send');
    expect(operationOf('QueryCommand', {})).toBe('Query');
  });
});
