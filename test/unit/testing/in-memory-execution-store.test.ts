import { describe, expect, it } from 'vitest';
import { InMemoryExecutionStore } from '../../../lib/testing/in-memory-execution-store.js';
import { executionStoreContract } from '../../contract/execution-store-contract.js';

describe('InMemoryExecutionStore', () => {
  executionStoreContract(async (options) => {
    const store = new InMemoryExecutionStore(options);
    // One instance is the whole store: another worker's handle is the same object.
    return { store, another: async () => store };
  });

  it.each([0, -1, 1.5, 400 * 1024 + 1])('refuses a maxItemBytes of %s with VALIDATION_ERROR', (maxItemBytes) => {
    expect(() => new InMemoryExecutionStore({ maxItemBytes })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_ERROR' }),
    );
  });
});
