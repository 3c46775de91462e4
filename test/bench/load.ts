/**
 * `npm run load`: the serverless shape on this machine under a steady load. Keeps N
 * executions of a 10-step workflow in flight over the HTTP API for a fixed time,
 * then prints throughput, step and execution latency, errors, and the CPU time of
 * the emulator beside this process's, so engine cost can be told from emulator
 * cost. Like `npm run bench`, not part of `npm test`: figures are read, never asserted.
 */
import { availableParallelism, loadavg } from 'node:os';
import { WorkflowRegistry } from '../../lib/index.js';
import { driveLoad } from './load-driver.js';
import { LOAD_USAGE, LoadUsageError, parseLoadArgs, type LoadOptions } from './load-options.js';
import { LoadRecorder } from './load-recorder.js';
import { formatLoadReport } from './load-report.js';
import { startLoadShape } from './load-shape.js';
import { checkLoadOutput, LOAD_STEPS, loadInput, loadWorkflow } from './load-workflow.js';
import { ownCpuMs, processCpuMs } from './process-cpu.js';

/**
 * After the window, executions in flight are waited for until no step has committed
 * for this long: longer than the 45 s the sweeper may take to recover a lost message
 * (stalled after 30 s, swept every 15 s).
 */
const DRAIN_IDLE_MS = 60_000;

const env = process.env;
// The pinned SDK supports Node 20; its notice about releases after January 2027 is noise here.
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function run(options: LoadOptions): Promise<void> {
  const recorder = new LoadRecorder({ checkOutput: checkLoadOutput });
  const shape = await startLoadShape({
    env,
    concurrency: options.concurrency,
    workflows: new WorkflowRegistry().register(loadWorkflow),
    recorder,
  });
  const { emulator } = shape;
  const emulatorCpu = (): number | undefined => (emulator.pid === undefined ? undefined : processCpuMs(emulator.pid));
  const noEmulatorCpu =
    emulator.pid === undefined ? 'n/a (external emulator)' : `n/a (cannot read /proc/${emulator.pid}/stat)`;
  console.log(
    `${emulator.started ? `started moto_server at ${emulator.endpoint}` : `using AWS_ENDPOINT_URL=${emulator.endpoint}`}; ` +
      `API on ${shape.apiUrl}; ${options.inFlight} executions in flight for ${options.durationSeconds} s...`,
  );

  const windowClosed = new AbortController();
  let interrupted = 0;
  process.on('SIGINT', () => {
    // Ctrl-C reaches this process and the tsx wrapper, which relays it: ignore that echo.
    if (interrupted && Date.now() - interrupted < 1_000) return;
    if (interrupted) process.exit(130);
    interrupted = Date.now();
    console.log('SIGINT: no new executions; waiting for those in flight (Ctrl-C again exits now)');
    windowClosed.abort();
  });

  const reading = () => ({ emulator: emulatorCpu(), own: ownCpuMs(), load: loadavg()[0]!.toFixed(1) });
  const before = reading();
  let after = before;
  const times = await driveLoad({
    apiUrl: shape.apiUrl,
    workflow: loadWorkflow.name,
    input: loadInput,
    inFlight: options.inFlight,
    windowMs: options.durationSeconds * 1000,
    drainIdleMs: DRAIN_IDLE_MS,
    recorder,
    signal: windowClosed.signal,
    onWindowClosed: () => {
      after = reading();
    },
  });
  await shape.stop();

  console.log(
    formatLoadReport({
      options,
      workflow: { name: loadWorkflow.name, steps: LOAD_STEPS },
      emulator: emulator.started
        ? `moto_server started here (pid ${emulator.pid})`
        : `external at ${emulator.endpoint}`,
      machine:
        `${availableParallelism()} CPUs, Node ${process.version}, ${process.platform} ${process.arch}, ` +
        `load average ${before.load} as the window opened, ${after.load} as it closed`,
      times,
      summary: recorder.summary({ start: times.windowStart, end: times.windowEnd }),
      cpu: {
        emulator:
          before.emulator !== undefined && after.emulator !== undefined
            ? after.emulator - before.emulator
            : noEmulatorCpu,
        own: after.own - before.own,
      },
    }),
  );
}

function main(): void {
  let options: LoadOptions;
  try {
    const args = parseLoadArgs(process.argv.slice(2));
    if (args.help) {
      console.log(LOAD_USAGE);
      return;
    }
    options = args.options;
  } catch (err) {
    if (!(err instanceof LoadUsageError)) throw err;
    console.error(`error: ${err.message}\n\n${LOAD_USAGE}`);
    process.exit(2);
  }
  run(options).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`load failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}

main();
