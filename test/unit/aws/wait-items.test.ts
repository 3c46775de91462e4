import { describe, expect, it } from 'vitest';
import { headToItem, itemToCheckpoint, itemToHead } from '../../../lib/aws/execution-store/items.js';
import { sampleHead } from './mock-items.js';

describe('the wait, inbox and loop attributes of a head item', () => {
  it('reads an item written before they existed as the defaults', () => {
    const item = headToItem(sampleHead({ currentStep: 2 }));
    for (const attr of ['stepRuns', 'maxStepRuns', 'inbox', 'seenEventIds', 'callbacks', 'inboxSeq', 'wait'])
      delete item[attr];
    expect(itemToHead(item)).toMatchObject({
      stepRuns: 2,
      maxStepRuns: 10_000,
      inbox: [],
      seenEventIds: [],
      callbacks: [],
      inboxSeq: 0,
    });
    expect(itemToHead(item).wait).toBeUndefined();
  });

  it('leaves out empty lists and a zero inboxSeq, and keeps a waiting head with a due time in the active index', () => {
    const idle = headToItem(sampleHead());
    expect(Object.keys(idle)).not.toEqual(expect.arrayContaining(['inbox']));
    expect(idle).not.toHaveProperty('inboxSeq');
    expect(idle).not.toHaveProperty('callbacks');
    const waiting = sampleHead({ state: 'waiting', wait: { kind: 'sleep', until: 9_000 }, sweepAt: 8_000 });
    expect(headToItem(waiting)).toHaveProperty('activePk');
    const noDue = sampleHead({ state: 'waiting', wait: { kind: 'event', eventType: 'go' } });
    delete noDue.sweepAt;
    expect(headToItem(noDue)).not.toHaveProperty('activePk');
  });

  it('stores event payloads as JSON text and reads them back, null included', () => {
    const head = sampleHead({
      inbox: [{ id: 'a', type: 't', payload: { deep: [1, 'x'] }, receivedAt: 5 }],
      delivered: null,
      inboxSeq: 3,
    });
    const item = headToItem(head);
    expect((item['inbox'] as { payload: unknown }[])[0]?.payload).toBe('{"deep":[1,"x"]}');
    expect(itemToHead(item)).toEqual(head);
  });

  it('refuses a malformed wait with CORRUPT_RECORD naming the field', () => {
    const item = headToItem(sampleHead({ wait: { kind: 'sleep', until: 1 } }));
    item['wait'] = { kind: 'nap' };
    expect(() => itemToHead(item)).toThrow(/field "wait.kind"/);
  });

  it('reads a checkpoint written before step-run sequences as keyed by its step', () => {
    const cp = itemToCheckpoint({
      pk: 'EXEC#e',
      sk: 'CP#0000000003',
      id: 'e/3',
      executionId: 'e',
      step: 3,
      timestamp: 1,
      data: '1',
    });
    expect(cp).toEqual({ id: 'e/3', executionId: 'e', seq: 3, step: 3, state: 1, timestamp: 1 });
  });
});
