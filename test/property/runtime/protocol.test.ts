import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExecutionState } from '../../../lib/core/execution-state.js';
import { checkProperty } from '../replay.js';
import { type Command, commandArb, runCommand } from './protocol-commands.js';
import { checkInvariants, snapshot } from './protocol-invariants.js';
import { CONFIG, MAX_STEPS, ProtocolWorld } from './protocol-world.js';

/** Time enough for every lease to lapse, every retry to show and every running execution to be overdue. */
const QUIET_MS = CONFIG.stallAfterMs + CONFIG.retryMaxDelayMs + CONFIG.leaseMs;

/** Runs `command`, then checks the failure table's invariants on what it changed. */
async function step(world: ProtocolWorld, command: Command, index: number | string): Promise<void> {
  const before = await snapshot(world);
  await runCommand(world, command);
  try {
    checkInvariants(world, before, await snapshot(world), command);
  } catch (err) {
    throw new Error(`after command ${index} ${JSON.stringify(command)}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * With the faults stopped, lets every step in flight finish, delivers every message,
 * and lets time pass and the sweeper run, until nothing is running: whatever the
 * commands did, no running execution is stranded.
 */
async function quiesce(world: ProtocolWorld): Promise<void> {
  const isRunning = async () =>
    [...(await snapshot(world)).values()].some((s) => s?.head.state === ExecutionState.Running);
  for (let round = 0; round < 10 && (await isRunning()); round++) {
    for (let n = 0; world.slowRuns.some((r) => !r.done); n++) {
      await step(world, { kind: 'finishSlow', pick: 0, ok: true }, `quiesce ${round}.${n}`);
    }
    for (let n = 0; world.visible().length > 0 && n < 100; n++) {
      await step(world, { kind: 'deliver', pick: 0, behaviour: 'ok', keep: false }, `quiesce ${round}.${n}`);
    }
    await step(world, { kind: 'advance', ms: QUIET_MS }, `quiesce ${round}`);
    await step(world, { kind: 'sweep' }, `quiesce ${round}`);
  }
  const stranded = [...(await snapshot(world)).values()].filter((s) => s?.head.state === ExecutionState.Running);
  if (stranded.length > 0) throw new Error(`running executions left stranded: ${JSON.stringify(stranded)}`);
}

/** Generated runs of a world: executions of 1 to MAX_STEPS steps, then up to 60 commands, then quiet. */
function protocolProperty(chainSteps: boolean, seen: { chained: number; handBacks: number }) {
  return fc.asyncProperty(
    fc.array(fc.integer({ min: 1, max: MAX_STEPS }), { minLength: 1, maxLength: 3 }),
    fc.array(commandArb, { maxLength: 60, size: 'medium' }),
    async (stepCounts, commands) => {
      const world = new ProtocolWorld({ chainSteps });
      for (const steps of stepCounts) await world.start(steps);
      for (const [i, command] of commands.entries()) await step(world, command, i);
      await quiesce(world);
      seen.chained += world.chainedSteps;
      seen.handBacks += world.handBacks;
    },
  );
}

describe('the step protocol under generated faults', () => {
  it('keeps the failure table invariants after every delivery, fault, control action, clock advance and sweep', async () => {
    await checkProperty(protocolProperty(false, { chained: 0, handBacks: 0 }), { numRuns: 150 });
  });

  it('keeps them with chainSteps, where one delivery may commit several steps', async () => {
    const seen = { chained: 0, handBacks: 0 };
    await checkProperty(protocolProperty(true, seen), { numRuns: 150 });
    expect(seen.chained).toBeGreaterThan(0); // the runs did chain steps
    expect(seen.handBacks).toBeGreaterThan(0); // and handed some back, having run into the deadline
  });
});
