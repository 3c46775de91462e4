import fc from 'fast-check';
import { expect } from 'vitest';

/**
 * How a property run is chosen, read from the environment once per property:
 * `FC_SEED` (an integer) replays a run, `FC_PATH` (with `FC_SEED`) replays only the
 * counterexample that run printed, and `FC_NUM_RUNS` overrides the number of runs
 * (to search longer locally). Unset, each run draws a fresh seed.
 */
export interface ReplaySettings {
  seed?: number;
  path?: string;
  numRuns?: number;
}

/** Reads FC_SEED, FC_PATH and FC_NUM_RUNS; a malformed value fails naming the variable and the fix. */
export function readReplaySettings(env: NodeJS.ProcessEnv = process.env): ReplaySettings {
  const settings: ReplaySettings = {};
  const seed = env['FC_SEED'];
  if (seed !== undefined && seed !== '') {
    if (!/^-?\d+$/.test(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(seed)}`);
    settings.seed = Number(seed);
  }
  const path = env['FC_PATH'];
  if (path !== undefined && path !== '') {
    if (!/^\d+(:\d+)*$/.test(path)) throw new Error(`FC_PATH must look like 12:0:3, got ${JSON.stringify(path)}`);
    if (settings.seed === undefined) throw new Error('FC_PATH is set without FC_SEED: export both, as printed');
    settings.path = path;
  }
  const numRuns = env['FC_NUM_RUNS'];
  if (numRuns !== undefined && numRuns !== '') {
    if (!/^[1-9]\d*$/.test(numRuns)) throw new Error(`FC_NUM_RUNS must be a whole number >= 1, got ${numRuns}`);
    settings.numRuns = Number(numRuns);
  }
  return settings;
}

/**
 * Checks `property` over `numRuns` generated cases (or the environment's replay
 * settings). On failure it throws fast-check's report (the shrunk counterexample,
 * the seed and the path) followed by the command that replays exactly that case.
 */
export async function checkProperty<Ts>(
  property: fc.IAsyncProperty<Ts> | fc.IProperty<Ts>,
  options: { numRuns: number },
): Promise<void> {
  const settings = readReplaySettings();
  const details = await fc.check(property as fc.IRawProperty<Ts>, {
    numRuns: settings.numRuns ?? options.numRuns,
    ...(settings.seed === undefined ? {} : { seed: settings.seed }),
    // With a path, replay only that counterexample instead of shrinking again.
    ...(settings.path === undefined ? {} : { path: settings.path, endOnFailure: true }),
  });
  if (!details.failed) return;
  const { testPath, currentTestName } = expect.getState();
  const file = testPath === undefined ? '<file>' : testPath.replace(`${process.cwd()}/`, '');
  const replay =
    details.counterexamplePath === null
      ? `FC_SEED=${details.seed}`
      : `FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath}`;
  // -t takes a pattern: escape the test's name, then quote it for the shell.
  const pattern = ((currentTestName ?? '').split(' > ').pop() ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const quoted = `'${pattern.replace(/'/g, `'\\''`)}'`;
  throw new Error(`${fc.defaultReportMessage(details)}\n\nReplay: ${replay} npx vitest run ${file} -t ${quoted}`, {
    cause: details.errorInstance,
  });
}
