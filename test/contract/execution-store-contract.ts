import { describe } from 'vitest';
import { claimContract } from './execution-store/claim.js';
import { commitContract } from './execution-store/commit.js';
import { createContract } from './execution-store/create.js';
import { deleteContract } from './execution-store/delete.js';
import { fenceContract } from './execution-store/fences.js';
import { findStalledContract } from './execution-store/find-stalled.js';
import type { MakeStore } from './execution-store/fixtures.js';
import { listByNameContract, listContract } from './execution-store/list.js';
import { countByStateContract } from './execution-store/count-by-state.js';
import { outcomesContract } from './execution-store/outcomes.js';
import { racesContract } from './execution-store/races.js';
import { readsContract } from './execution-store/reads.js';
import { rewindContract } from './execution-store/rewind.js';
import { scenarioContract } from './execution-store/scenario.js';
import { transitionContract } from './execution-store/transition.js';
import { waitsContract } from './execution-store/waits.js';
import { usageContract } from './execution-store/usage.js';

export type { MakeStore, StoreOptions, StoreUnderTest } from './execution-store/fixtures.js';

/**
 * The behaviour every ExecutionStore shares (the port, lib/runtime/ports.ts, and its
 * rules, lib/runtime/store-rules.ts): every method, its conditions and conflicts,
 * paging, and races between workers. Call inside a describe block with a factory of
 * stores over new, empty storage; an adapter passes it when it gives these answers.
 *
 * @example
 * describe('InMemoryExecutionStore', () => {
 *   executionStoreContract(async (options) => {
 *     const store = new InMemoryExecutionStore(options);
 *     return { store, another: async () => store };
 *   });
 * });
 */
export function executionStoreContract(make: MakeStore): void {
  describe('create', () => createContract(make));
  describe('claim and extendLease', () => claimContract(make));
  describe('commit', () => commitContract(make));
  describe('the fence of commit and the other fenced writes', () => fenceContract(make));
  describe('releaseForRetry, fail and park', () => outcomesContract(make));
  describe('transition', () => transitionContract(make));
  describe('get and listCheckpoints', () => readsContract(make));
  describe('list', () => listContract(make));
  describe('list by name', () => listByNameContract(make));
  describe('countByState', () => countByStateContract(make));
  describe('findStalled', () => findStalledContract(make));
  describe('delete', () => deleteContract(make));
  describe('concurrent workers', () => racesContract(make));
  describe('a long scenario', () => scenarioContract(make));
  describe('waits, events and loops', () => waitsContract(make));
  describe('getCheckpoint, forks and rewind', () => rewindContract(make));
  describe('usage and budgets', () => usageContract(make));
}
