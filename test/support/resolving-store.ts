import type { LargeStateExecutionStore } from '../../lib/aws/large-state/large-state-store.js';
import type { ExecutionHead, StoredCheckpoint } from '../../lib/runtime/model.js';
import type { ExecutionStore, Fence } from '../../lib/runtime/ports.js';
import { LeaseConflictError, StaleTokenError } from '../../lib/runtime/errors.js';

/**
 * A view of a LargeStateExecutionStore whose answers carry the states themselves, not
 * their references (each read back with `readState`): so the ExecutionStore contract,
 * which compares states, runs unchanged over a store that offloads every state.
 */
export function resolvingStore(store: LargeStateExecutionStore): ExecutionStore {
  const head = async (h: ExecutionHead): Promise<ExecutionHead> => ({ ...h, data: await store.readState(h.data) });
  const maybe = async (h: ExecutionHead | undefined) => (h === undefined ? undefined : head(h));
  const checkpoint = async (cp: StoredCheckpoint): Promise<StoredCheckpoint> => ({
    ...cp,
    state: await store.readState(cp.state),
  });
  const fenced = async (req: Fence, write: () => Promise<ExecutionHead>): Promise<ExecutionHead> => {
    try {
      return await head(await write());
    } catch (thrown) {
      if (thrown instanceof StaleTokenError && thrown.current) {
        throw new StaleTokenError(req.id, req.token, await head(thrown.current));
      }
      if (thrown instanceof LeaseConflictError && thrown.current) {
        throw new LeaseConflictError(req.id, req.owner, await head(thrown.current));
      }
      throw thrown;
    }
  };
  return {
    create: async (exec) => {
      const out = await store.create(exec);
      return { ...out, head: await head(out.head) };
    },
    claim: async (req) => maybe(await store.claim(req)),
    extendLease: (req) => store.extendLease(req),
    commit: (req) => fenced(req, () => store.commit(req)),
    releaseForRetry: (req) => fenced(req, () => store.releaseForRetry(req)),
    fail: (req) => fenced(req, () => store.fail(req)),
    park: (req) => fenced(req, () => store.park(req)),
    replaceHead: async (req) => {
      const out = await store.replaceHead(req);
      return out.ok ? { ok: true, head: await head(out.head) } : { ...out, current: await maybe(out.current) };
    },
    transition: async (req) => head(await store.transition(req)),
    get: async (id) => maybe(await store.get(id)),
    getCheckpoint: (id, seq) => store.getCheckpoint(id, seq),
    rewind: async (req) => head(await store.rewind(req)),
    listCheckpoints: async (id, page) => {
      const out = await store.listCheckpoints(id, page);
      return { ...out, items: await Promise.all(out.items.map(checkpoint)) };
    },
    list: async (query) => {
      const out = await store.list(query);
      return { ...out, items: await Promise.all(out.items.map(head)) };
    },
    countByState: (options) => store.countByState(options),
    findStalled: async (req) => Promise.all((await store.findStalled(req)).map(head)),
    delete: (id) => store.delete(id),
  };
}
