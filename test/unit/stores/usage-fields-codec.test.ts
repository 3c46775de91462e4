import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../lib/core/errors.js';
import { encodeExecution, parseExecution, serializeExecution } from '../../../lib/stores/execution-codec.js';
import { MemoryCheckpointStore } from '../../../lib/stores/memory-checkpoint-store.js';
import { PersistentCheckpointStore } from '../../../lib/stores/persistent-checkpoint-store.js';
import { MemoryTaskStore } from '../../../lib/stores/memory-task-store.js';
import { sampleExecution, thrownBy } from './fixtures.js';

describe('usage and budget fields', () => {
  it('writes usage and budget and reads them back', () => {
    const exec = sampleExecution({ usage: { tokens: 1200, costUsd: 0.25 }, budget: { costUsd: 1 } });
    const doc = encodeExecution(exec);
    expect(doc.usage).toEqual({ tokens: 1200, costUsd: 0.25 });
    expect(doc.budget).toEqual({ costUsd: 1 });
    const back = parseExecution(serializeExecution(exec));
    expect(back.usage).toEqual({ tokens: 1200, costUsd: 0.25 });
    expect(back.budget).toEqual({ costUsd: 1 });
  });

  it('writes neither when usage is empty (or all zero) and there is no budget, and an old document loads without them', () => {
    for (const usage of [undefined, {}, { tokens: 0 }]) {
      const doc = encodeExecution(sampleExecution(usage ? { usage } : {}));
      expect('usage' in doc).toBe(false);
      expect('budget' in doc).toBe(false);
    }
    const back = parseExecution(serializeExecution(sampleExecution()));
    expect('usage' in back).toBe(false);
    expect('budget' in back).toBe(false);
  });

  it('reads a stored negative usage or a zero budget as CORRUPT_RECORD naming the field', () => {
    const doc = JSON.parse(serializeExecution(sampleExecution())) as Record<string, unknown>;
    const bad = thrownBy(() => parseExecution(JSON.stringify({ ...doc, usage: { tokens: -1 } }), 'f.json'));
    expect(bad).toMatchObject({ code: ErrorCode.CorruptRecord });
    expect(bad.message).toContain('field "usage"');
    expect(bad.message).toContain('usage.tokens must be 0 or more');
    const zero = thrownBy(() => parseExecution(JSON.stringify({ ...doc, budget: { costUsd: 0 } }), 'f.json'));
    expect(zero.message).toContain('budget.costUsd must be greater than 0');
  });

  it('refuses to store a negative budget with VALIDATION_ERROR naming the unit', () => {
    const err = thrownBy(() => serializeExecution(sampleExecution({ budget: { tokens: -5 } })));
    expect(err).toMatchObject({ code: ErrorCode.Validation });
    expect(err.message).toContain('budget.tokens');
  });

  it('keeps them across a save and load in the memory and task-store checkpoint stores', async () => {
    const exec = sampleExecution({ usage: { tokens: 7 }, budget: { tokens: 10 } });
    for (const store of [new MemoryCheckpointStore(), new PersistentCheckpointStore(new MemoryTaskStore())]) {
      await store.saveCheckpoint(exec);
      const loaded = await store.loadCheckpoint(exec.id);
      expect(loaded).toMatchObject({ usage: { tokens: 7 }, budget: { tokens: 10 } });
    }
  });
});
