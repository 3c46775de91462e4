import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { runChaos } from './driver.js';
import { defaultChaosOptions, DEFAULT_RATES, type ChaosOptions } from './options.js';
import { formatSummary } from './summary.js';

/**
 * The quick chaos run of `npm test`: 40 executions of 8 steps on 3 worker processes
 * against the emulator, with every fault kind at modest rates, a worker SIGKILLed
 * every few seconds, pauses, cancels, poisoned executions that fail and are
 * retried, steps that sleep or wait for an event the driver sends at a random
 * moment, and large executions whose states are kept in S3. It asserts the guarantees,
 * never timing: the phase limits are generous and a run that settles early ends early.
 * The seed is random and printed; CHAOS_SEED replays one.
 */
const seed = Number(process.env['CHAOS_SEED'] ?? randomInt(2 ** 32 - 1));
const options: ChaosOptions = {
  ...defaultChaosOptions(seed),
  executions: 40,
  steps: 8,
  workers: 3,
  live: 12,
  killEverySeconds: 15,
  // Faults and kills stop after 60 s (sooner if everything has finished); what is left
  // then runs without them, so that a slow machine takes longer only by its slowness.
  durationSeconds: 60,
  drainSeconds: 240,
  // Modest SDK fault rates (each costs a recovery of seconds), and the rarer kinds a
  // little more often than the defaults, so that each shows up in 40 x 8.
  rates: {
    ...DEFAULT_RATES,
    lost: 0.01,
    throttle: 0.01,
    slow: 0.01,
    duplicate: 0.03,
    stepHang: 0.01,
    stepOversize: 0.01,
    crash: 0.004,
  },
  poisonFraction: 0.15,
  sleepFraction: 0.2,
  waitFraction: 0.2,
  largeFraction: 0.2,
  chainFraction: 0.3,
};

describe('the quick chaos run', () => {
  it('loses no execution, commits no step twice and corrupts no state under faults and kills', async () => {
    const report = await runChaos(options);
    console.log(formatSummary(report));
    for (const problem of report.problems) console.log(`problem: ${problem}`);
    expect(report.workerFailures).toEqual([]);
    expect(report.problems).toEqual([]);
    expect({ lost: report.outcomes.lost, double: report.double, corrupt: report.corrupt }).toEqual({
      lost: 0,
      double: 0,
      corrupt: 0,
    });
    const { completed, failed, cancelled, unstarted } = report.outcomes;
    expect(unstarted).toBe(0);
    expect(completed + failed + cancelled).toBe(options.executions);
    expect(report.drained).toBe(true);
    expect(report.messages.unexplainedDeadLetters).toBe(0);
    expect(report.messages.stray).toBe(0);
    // Every failure has a recorded error the run can account for.
    expect(report.failedBy.other).toBe(0);
    // Sleeps and event waits were part of it (0.8^80 odds of none), and no wait timed out.
    expect(report.waits.sleep + report.waits.event).toBeGreaterThan(0);
    expect(report.controls.event).toBeLessThanOrEqual(report.waits.event); // one accepted send per execution
    expect(report.controls.eventRedelivered).toBe(0); // a repeated event id is answered duplicate
    expect(report.failedBy['wait-timeout']).toBe(0);
    // Large executions were part of it (0.8^40 odds of none), and each kept its states in S3.
    expect(report.large.planned).toBeGreaterThan(0);
    expect(report.large.offloaded).toBe(report.large.planned);
    // Executions of the chainSteps workflow were part of it (0.7^40 odds of none), and chained steps.
    expect(report.chain.planned).toBeGreaterThan(0);
    expect(report.chain.chainedSteps).toBeGreaterThan(0);
  }, 420_000);
});
