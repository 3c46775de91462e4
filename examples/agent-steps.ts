import type { NamedStep, StepContext } from '../lib/index.js';

/** The state the example agent carries from step to step. */
export interface AgentState {
  topic: string;
  plan?: string[];
  notes?: string[];
  draft?: string;
  review?: { score: number; comments: string[] };
  publishedAt?: string;
  /** What a reviewer said when sending a draft back (the demo's approval step). */
  reviewerComments?: string[];
}

/** Simulated work: waits `ms` in small slices, heartbeating, and stops when aborted. */
export async function simulateWork(ms: number, ctx: StepContext): Promise<void> {
  const slice = Math.max(1, Math.min(100, ms));
  for (let done = 0; done < ms; done += slice) {
    ctx.signal.throwIfAborted();
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(ctx.signal.reason as Error);
      };
      const timer = setTimeout(
        () => {
          ctx.signal.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.min(slice, ms - done),
      );
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
  await ctx.heartbeat();
}

/** The simulated model's price: USD 3 per million tokens. */
const USD_PER_TOKEN = 3 / 1_000_000;

/** Reports what a simulated model call used, as a step calling a real model would. */
function modelCall(ctx: StepContext, tokens: number): void {
  ctx.reportUsage({ tokens, costUsd: Math.round(tokens * USD_PER_TOKEN * 1e6) / 1e6 });
}

/**
 * An agent-style workflow with simulated work and no network: plan, research,
 * draft, review, publish. Deterministic given its input, so runs can be compared.
 * Each step but publish reports the tokens and cost of its simulated model call.
 */
export function agentSteps(workMs: number): NamedStep<AgentState>[] {
  return [
    {
      name: 'plan',
      fn: async (s, ctx) => {
        await simulateWork(workMs, ctx);
        modelCall(ctx, 1_200);
        return { ...s, plan: ['background', 'key facts', 'open questions'].map((p) => `${p} on ${s.topic}`) };
      },
    },
    {
      name: 'research',
      fn: async (s, ctx) => {
        await simulateWork(workMs, ctx);
        modelCall(ctx, 3_000);
        return { ...s, notes: (s.plan ?? []).map((item, i) => `note ${i + 1}: ${item}`) };
      },
    },
    {
      name: 'draft',
      fn: async (s, ctx) => {
        await simulateWork(workMs, ctx);
        modelCall(ctx, 2_500);
        return { ...s, draft: `A short report on ${s.topic}. ${(s.notes ?? []).join('. ')}.` };
      },
    },
    {
      name: 'review',
      fn: async (s, ctx) => {
        await simulateWork(workMs, ctx);
        modelCall(ctx, 800);
        const words = (s.draft ?? '').split(/\s+/).length;
        return { ...s, review: { score: Math.min(10, Math.round(words / 4)), comments: [`${words} words`] } };
      },
    },
    {
      name: 'publish',
      fn: async (s, ctx) => {
        await simulateWork(workMs, ctx);
        return { ...s, publishedAt: `report-${s.topic.replace(/\W+/g, '-').toLowerCase()}.md` };
      },
    },
  ];
}
