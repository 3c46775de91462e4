import { ExecutionState, isTerminalState } from '../../../lib/core/execution-state.js';
import type { EpochMs, ExecutionHead } from '../../../lib/runtime/model.js';
import type { ClaimRequest, ExecutionStore, Fence, TransitionRequest } from '../../../lib/runtime/ports.js';

/**
 * An {@link ExecutionStore} wrapper that keeps its own ledger of the leases the store
 * grants (claims and heartbeats), without trusting the head's lease fields. It
 * records a violation whenever a lease is granted, or a fenced write lands, while
 * another owner still holds a live lease on the same execution, and whenever a
 * step is claimed on an execution that is not running (no new step starts while
 * paused or cancelled). A grant ends when its owner's fenced write lands, when the
 * execution ends by a control action, or when it is deleted.
 */
export class LeaseLedger {
  readonly violations: string[] = [];
  readonly store: ExecutionStore;
  readonly #grants = new Map<string, Map<string, EpochMs>>();

  constructor(inner: ExecutionStore) {
    const fenced =
      <R extends Fence>(write: (req: R) => Promise<ExecutionHead>) =>
      async (req: R): Promise<ExecutionHead> => {
        const head = await write(req);
        this.#checkNoOtherLiveLease(req, 'wrote');
        this.#grantsOf(req.id).delete(req.owner);
        return head;
      };
    this.store = {
      create: (exec) => inner.create(exec),
      claim: async (req) => {
        const head = await inner.claim(req);
        if (head !== undefined && head.state !== ExecutionState.Running)
          this.violations.push(`execution ${req.id}: a step was claimed while the execution is ${head.state}`);
        if (head?.leaseOwner === req.owner && head.leaseExpiresAt !== undefined) this.#grant(req, head.leaseExpiresAt);
        return head;
      },
      extendLease: async (req) => {
        const result = await inner.extendLease(req);
        if (!result.lost) this.#grant(req, req.now + req.leaseMs);
        return result;
      },
      commit: async (req) => {
        const head = await fenced((r: typeof req) => inner.commit(r))(req);
        // A commit that claimed the next step (chainSteps) granted its lease in the same write.
        const next = req.claimNext?.owner;
        if (next !== undefined && head.leaseOwner === next && head.leaseExpiresAt !== undefined)
          this.#grant({ ...req, token: head.version, owner: next }, head.leaseExpiresAt);
        return head;
      },
      releaseForRetry: fenced((req) => inner.releaseForRetry(req)),
      fail: fenced((req) => inner.fail(req)),
      park: fenced((req) => inner.park(req)),
      replaceHead: async (req) => {
        const result = await inner.replaceHead(req);
        // A claim given back (a limit's refusal, a chained step's hand-back) ends its owner's grant.
        const owner = req.base.leaseOwner;
        if (result.ok && owner !== undefined && result.head.leaseOwner !== owner)
          this.#grantsOf(req.base.id).delete(owner);
        return result;
      },
      transition: async (req: TransitionRequest) => {
        const head = await inner.transition(req);
        if (isTerminalState(head.state)) this.#grants.delete(req.id);
        return head;
      },
      get: (id) => inner.get(id),
      getCheckpoint: (id, seq) => inner.getCheckpoint(id, seq),
      rewind: async (req) => {
        const head = await inner.rewind(req);
        this.#grants.delete(req.id);
        return head;
      },
      listCheckpoints: (id, page) => inner.listCheckpoints(id, page),
      list: (query) => inner.list(query),
      countByState: (options) => inner.countByState(options),
      findStalled: (req) => inner.findStalled(req),
      delete: async (id) => {
        await inner.delete(id);
        this.#grants.delete(id);
      },
    };
  }

  #grantsOf(id: string): Map<string, EpochMs> {
    const grants = this.#grants.get(id) ?? new Map<string, EpochMs>();
    this.#grants.set(id, grants);
    return grants;
  }

  #grant(req: Fence | ClaimRequest, until: EpochMs): void {
    this.#checkNoOtherLiveLease(req, 'was granted a lease');
    this.#grantsOf(req.id).set(req.owner, until);
  }

  #checkNoOtherLiveLease(req: Fence, what: string): void {
    for (const [owner, expiresAt] of this.#grantsOf(req.id)) {
      if (owner !== req.owner && expiresAt > req.now) {
        this.violations.push(
          `execution ${req.id}: ${req.owner} ${what} at ${req.now} while ${owner} holds a lease until ${expiresAt}`,
        );
      }
    }
  }
}
