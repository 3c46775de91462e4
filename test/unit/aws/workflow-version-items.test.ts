import { describe, expect, it } from 'vitest';
import { headToItem, itemToHead } from '../../../lib/aws/execution-store/items.js';
import { createdHead } from '../../../lib/runtime/head-changes.js';
import { SAMPLE_NEW_EXECUTION as exec } from './mock-items.js';

describe('the head item codec of the workflow version', () => {
  it('writes no attribute for a head without a version: the same item, byte for byte, as before the field', () => {
    const item = headToItem(createdHead(exec));
    expect('workflowVersion' in item).toBe(false);
    const { workflowVersion, ...rest } = headToItem(createdHead({ ...exec, workflowVersion: 'v1' }));
    expect(workflowVersion).toBe('v1');
    expect(JSON.stringify(rest)).toBe(JSON.stringify(item));
  });

  it('round-trips the version', () => {
    const head = createdHead({ ...exec, workflowVersion: '2024-06.1' });
    expect(itemToHead(headToItem(head))).toEqual(head);
  });

  it('reads a head item written before the field existed, without a version', () => {
    const head = itemToHead(headToItem(createdHead(exec)));
    expect('workflowVersion' in head).toBe(false);
  });

  it('refuses a version that is not a string, naming the field', () => {
    const item = { ...headToItem(createdHead(exec)), workflowVersion: 7 };
    expect(() => itemToHead(item)).toThrow(/workflowVersion/);
  });
});
