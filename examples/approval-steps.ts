import type { NamedStep, StepContext } from '../lib/index.js';
import { simulateWork } from './agent-steps.js';

/** The event type a reviewer sends (or a callback link delivers). */
export const APPROVAL_EVENT = 'approval';
/** How long a draft waits for its reviewer before the execution fails with WAIT_TIMEOUT. */
export const APPROVAL_TIMEOUT_MS = 24 * 60 * 60 * 1000;
/** Drafts a reviewer may send back before the workflow gives up. */
export const MAX_ROUNDS = 3;

/** What a reviewer answers: approve, or send back with comments. */
export interface ApprovalPayload {
  approved: boolean;
  comments?: string;
}

/** The state of the approval workflow. */
export interface ApprovalState {
  topic: string;
  round?: number;
  draft?: string;
  /** Reviewer comments, oldest first. */
  comments?: string[];
  /** The callback token of the current draft: `POST /callbacks/<token>` approves or comments. */
  callbackToken?: string;
  outcome?: 'published' | 'rejected';
  publishedAt?: string;
}

/** Reads a reviewer's answer from an event payload, tolerating a bare string as a comment. */
export function readApproval(payload: unknown): ApprovalPayload {
  if (typeof payload === 'string') return { approved: false, comments: payload };
  if (payload && typeof payload === 'object') {
    const { approved, comments } = payload as Record<string, unknown>;
    return { approved: approved === true, ...(typeof comments === 'string' ? { comments } : {}) };
  }
  return { approved: false };
}

/**
 * compose (a draft) -> wait for `approval` (24 h, with a callback link) -> consider
 * -> release (publish), or back to compose with the reviewer's comments (at most
 * {@link MAX_ROUNDS} drafts; a refusal of the last one releases it as `rejected`).
 * `log` receives the line that tells a person how to answer.
 */
export function approvalSteps(workMs: number, log: (line: string) => void): NamedStep<ApprovalState>[] {
  return [
    {
      name: 'compose',
      fn: async (s, ctx: StepContext) => {
        await simulateWork(workMs, ctx);
        const round = (s.round ?? 0) + 1;
        const addressed = s.comments?.length ? ` Revised for: ${s.comments.join('; ')}.` : '';
        const callbackToken = ctx.callbackToken(APPROVAL_EVENT);
        log(
          `approval needed for ${ctx.executionId} (draft ${round}): POST /callbacks/${callbackToken} ` +
            `with {"payload":{"approved":true}} or {"payload":{"approved":false,"comments":"..."}}`,
        );
        const state = { ...s, round, draft: `Draft ${round} on ${s.topic}.${addressed}`, callbackToken };
        return ctx.waitForEvent(APPROVAL_EVENT, { state, timeoutMs: APPROVAL_TIMEOUT_MS });
      },
    },
    {
      name: 'consider',
      fn: (s, ctx) => {
        const answer = readApproval(ctx.event?.payload);
        const rest: ApprovalState = { ...s };
        delete rest.callbackToken;
        if (answer.approved) return rest;
        const comments = [...(s.comments ?? []), answer.comments ?? 'no comments'];
        if ((s.round ?? 1) < MAX_ROUNDS) return ctx.goto('compose', { ...rest, comments });
        return ctx.goto('release', { ...rest, comments, outcome: 'rejected' });
      },
    },
    {
      name: 'release',
      fn: async (s, ctx) => {
        if (s.outcome === 'rejected') return s;
        await simulateWork(workMs, ctx);
        const slug = s.topic.replace(/\W+/g, '-').toLowerCase();
        return { ...s, outcome: 'published', publishedAt: `report-${slug}.md` };
      },
    },
  ];
}
