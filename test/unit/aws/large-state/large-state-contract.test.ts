import { describe } from 'vitest';
import { LargeStateExecutionStore } from '../../../../lib/aws/large-state/large-state-store.js';
import { MAX_ITEM_BYTES } from '../../../../lib/core/item-size.js';
import { InMemoryExecutionStore } from '../../../../lib/testing/in-memory-execution-store.js';
import { executionStoreContract } from '../../../contract/execution-store-contract.js';
import { MemoryStateObjects } from '../../../support/memory-state-objects.js';
import { resolvingStore } from '../../../support/resolving-store.js';

// Every state offloaded (threshold 0), the state limit at the item limit the contract
// expects: the decorator must keep every rule of the port.
describe('LargeStateExecutionStore over the in-memory store, every state offloaded', () => {
  executionStoreContract(async (options = {}) => {
    const inner = new InMemoryExecutionStore(options);
    const objects = new MemoryStateObjects();
    const make = () =>
      resolvingStore(
        new LargeStateExecutionStore(inner, {
          objects,
          thresholdBytes: 0,
          maxStateBytes: options.maxItemBytes ?? MAX_ITEM_BYTES,
        }),
      );
    return { store: make(), another: async () => make() };
  });
});
