/**
 * `npm run chaos`: a chaos run of the serverless runtime against the emulator
 * (AWS_ENDPOINT_URL if set, else moto_server), printing one summary line. Exits 1
 * when an execution was lost, double committed or corrupt; 2 on a usage error.
 * `npm run chaos -- --help` lists the options.
 */
import { randomInt } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { runChaos } from './driver.js';
import { parseChaosArgs, USAGE, UsageError } from './cli-args.js';
import { brokeGuarantees } from './report.js';
import { formatSummary } from './summary.js';

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseChaosArgs(argv, () => randomInt(2 ** 32 - 1));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`usage error: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if ('help' in parsed) {
    process.stdout.write(USAGE);
    return 0;
  }
  const options = parsed;
  // The pinned SDK's notice about future Node releases is noise here (and in every worker).
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  process.stderr.write(`chaos: seed ${options.seed} (replay with --seed ${options.seed})\n`);
  // Ctrl-C ends the run early but still stops the workers and the emulator.
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  const report = await runChaos(options, (line) => process.stderr.write(`${line}\n`), interrupt.signal);
  if (options.reportPath) await writeFile(options.reportPath, `${JSON.stringify(report, null, 2)}\n`);
  for (const problem of report.problems) process.stderr.write(`problem: ${problem}\n`);
  for (const failure of report.workerFailures) process.stderr.write(`worker failure: ${failure}\n`);
  process.stdout.write(`${formatSummary(report)}\n`);
  return brokeGuarantees(report) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
