import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeExecution, encodeExecution } from '../../../lib/stores/execution-codec.js';
import { readsBack } from '../../../lib/stores/read-execution-document.js';
import { checkProperty } from '../replay.js';
import { damagedDocumentArb } from './damaged-document.js';
import { executionArb } from './execution-arbitrary.js';

/** True when the full reader reads `doc` without an error. */
function decodes(doc: Record<string, unknown>): boolean {
  try {
    decodeExecution(doc);
    return true;
  } catch {
    return false;
  }
}

describe('readsBack, the plain check a save makes before reading its document back', () => {
  it('never passes a document the reader refuses', async () => {
    await checkProperty(
      fc.property(damagedDocumentArb, (doc) => {
        if (readsBack(doc)) expect(decodes(doc)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('passes what a save writes for an execution without waits, events or callbacks', async () => {
    await checkProperty(
      fc.property(executionArb, (exec) => {
        const doc = encodeExecution(exec) as unknown as Record<string, unknown>;
        const unchecked = ['wait', 'inbox', 'seen_event_ids', 'open_callbacks', 'delivered'].some(
          (field) => doc[field] !== undefined,
        );
        expect(readsBack(doc)).toBe(!unchecked);
      }),
      { numRuns: 300 },
    );
  });
});
