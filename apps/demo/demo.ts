/**
 * `npm start`: the embedded default. Runs the example agent workflow in this
 * process with a file checkpoint store under `.longrunning/`. Interrupt it
 * (Ctrl-C) and run it again: it resumes from the last checkpoint. Between review
 * and publish it waits for a person: on a terminal it asks "approve? [y/n/comment]",
 * without one it approves by itself after a second.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { type AgentState, agentSteps } from '../../examples/agent-steps.js';
import { APPROVAL_EVENT, type ApprovalPayload, MAX_ROUNDS, readApproval } from '../../examples/approval-steps.js';
import {
  describeUsage,
  EventType,
  type ExecutionEvent,
  ExecutionState,
  Executor,
  FileCheckpointStore,
  isTerminalState,
  type NamedStep,
} from '../../lib/index.js';
import { EnvReader } from '../../functions/index.js';
import { progressLine } from '../shared/progress-line.js';

const WORKFLOW = 'agent-demo';

interface DemoOptions {
  dir: string;
  stepMs: number;
  topic: string;
  out: NodeJS.WriteStream;
}

function readOptions(): DemoOptions {
  const env = new EnvReader(process.env);
  return {
    dir: resolve(env.optional('LONGRUNNING_DIR') ?? '.longrunning/checkpoints'),
    stepMs: env.milliseconds('LONGRUNNING_DEMO_STEP_MS', 1_500, 0, 600_000),
    topic: process.argv[2] ?? 'durable agents on serverless',
    out: process.stdout,
  };
}

async function main(opts: DemoOptions): Promise<void> {
  const tty = Boolean(opts.out.isTTY);
  const store = new FileCheckpointStore(opts.dir);
  const steps = withApproval(agentSteps(opts.stepMs));
  const names = steps.map((s) => s.name);
  const executor = new Executor(
    { checkpointDir: opts.dir, heartbeatIntervalMs: 1_000, retryBaseDelayMs: 200 },
    { checkpointStore: store },
  );
  for (const s of steps) executor.registry.register(s.name, s.fn);

  const show = (event: ExecutionEvent): void => {
    const exec = executor.getExecution(event.execId);
    if (!exec) return;
    const label = describe(event, names);
    if (!label) return;
    const line = progressLine({ percent: exec.progress, label, tty });
    opts.out.write(tty ? `\r\x1b[2K${line}` : `${line}\n`);
  };
  executor.onEvent = show;

  const stored = (await store.listCheckpoints()).filter((e) => e.name === WORKFLOW && !isTerminalState(e.state));
  let execId: string;
  const previous = stored.sort((a, b) => b.lastUpdate.getTime() - a.lastUpdate.getTime())[0];
  if (previous) {
    execId = previous.id;
    const at = names[previous.currentStep] ?? 'the end';
    opts.out.write(
      `Resuming ${execId} from its last checkpoint: step ${previous.currentStep + 1}/${previous.totalSteps} (${at}), ${previous.currentStep} step(s) already done.\n`,
    );
    if (previous.state === ExecutionState.Paused) {
      await executor.loadExecution(execId);
      await executor.resume(execId);
    } else {
      await executor.loadExecution(execId);
      await executor.resumeExecution(execId, previous.checkpoints.at(-1)?.state);
    }
  } else {
    const exec = executor.createNamedExecution<AgentState>(WORKFLOW, steps);
    execId = exec.id;
    opts.out.write(`Starting ${execId}: ${names.join(' -> ')} (Ctrl-C to interrupt, run again to resume)\n`);
    await executor.start(execId, { topic: opts.topic } satisfies AgentState);
  }

  process.once('SIGINT', () => {
    const exec = executor.getExecution(execId);
    opts.out.write(
      `\nInterrupted at step ${(exec?.currentStep ?? 0) + 1}. Checkpoints are in ${opts.dir}. Run \`npm start\` again to resume.\n`,
    );
    process.exit(130);
  });

  const ask = approvalAsker(executor, execId, opts);
  executor.onEvent = (event) => {
    show(event);
    if (event.type === EventType.Waiting && event.execId === execId) ask();
  };
  ask(); // a resumed execution may be waiting already
  const done = await executor.wait(execId);
  if (tty) opts.out.write('\n');
  if (done.state !== ExecutionState.Completed) {
    opts.out.write(`Execution ${execId} ended ${done.state}${done.error ? `: ${done.error}` : ''}.\n`);
    process.exitCode = 1;
    return;
  }
  const result = done.checkpoints.at(-1)?.state;
  opts.out.write(
    `Completed ${execId} in ${((done.endTime!.getTime() - done.startTime.getTime()) / 1000).toFixed(1)} s.\n`,
  );
  opts.out.write(`Result: ${JSON.stringify(result, null, 2)}\n`);
  if (done.usage) opts.out.write(`Used: ${describeUsage(done.usage, done.budget)} (simulated model calls)\n`);
  opts.out.write(`Checkpoint: ${resolve(opts.dir, `${execId}.json`)}\n`);
}

/**
 * The demo's agent waits for a person between review and publish: review commits and
 * waits for an `approval` event; publish reads the answer and publishes, or sends the
 * draft back with the comments (at most 3 drafts).
 */
function withApproval(steps: NamedStep<AgentState>[]): NamedStep<AgentState>[] {
  return steps.map((step): NamedStep<AgentState> => {
    if (step.name === 'review')
      return {
        name: step.name,
        fn: async (s, ctx) => ctx.waitForEvent(APPROVAL_EVENT, { state: (await step.fn(s, ctx)) as AgentState }),
      };
    if (step.name === 'publish')
      return {
        name: step.name,
        fn: (s, ctx) => {
          const answer = readApproval(ctx.event?.payload);
          const comments = [...(s.reviewerComments ?? []), ...(answer.approved ? [] : [answer.comments ?? 'no'])];
          if (!answer.approved && comments.length < MAX_ROUNDS)
            return ctx.goto('draft', { ...s, reviewerComments: comments });
          return step.fn({ ...s, reviewerComments: comments }, ctx);
        },
      };
    return step;
  });
}

/**
 * Asks for the approval when the execution waits for it: on a terminal, "approve?
 * [y/n/comment]", sent as the event; without one, approves by itself after a second.
 * Returns the function to call when the execution may have started waiting (its
 * `waiting` event, or a run resumed while waiting); it asks at most once at a time.
 */
function approvalAsker(executor: Executor, execId: string, opts: DemoOptions): () => void {
  const interactive = Boolean(process.stdin.isTTY && opts.out.isTTY);
  let asking = false;
  return () => {
    const exec = executor.getExecution(execId);
    if (asking || exec?.state !== ExecutionState.Waiting || exec.wait?.eventType !== APPROVAL_EVENT) return;
    asking = true;
    void answer(interactive, opts)
      .then((payload) => executor.sendEvent(execId, { type: APPROVAL_EVENT, payload }))
      .catch((err: unknown) => opts.out.write(`could not send the approval: ${String(err)}\n`))
      .finally(() => (asking = false));
  };
}

async function answer(interactive: boolean, opts: DemoOptions): Promise<ApprovalPayload> {
  if (!interactive) {
    opts.out.write('waiting for approval; no terminal, so approving by itself in a second\n');
    await new Promise((r) => setTimeout(r, 1_000));
    return { approved: true };
  }
  const rl = createInterface({ input: process.stdin, output: opts.out });
  try {
    const reply = (await rl.question('\napprove? [y/n/comment] ')).trim();
    if (/^y(es)?$/i.test(reply)) return { approved: true };
    return { approved: false, ...(/^n(o)?$/i.test(reply) || reply === '' ? {} : { comments: reply }) };
  } finally {
    rl.close();
  }
}

function describe(event: ExecutionEvent, names: string[]): string | undefined {
  const name = names[event.step] ?? `step ${event.step}`;
  switch (event.type) {
    case EventType.StepStarted:
      return `running ${name}`;
    case EventType.StepCompleted:
      return `finished ${name}`;
    case EventType.StepFailed:
      return `${name} failed (${event.error?.message ?? 'error'}), retrying`;
    case EventType.ExecutionCompleted:
      return 'done';
    default:
      return undefined;
  }
}

main(readOptions()).catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
