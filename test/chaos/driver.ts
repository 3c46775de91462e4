import { createWriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { S3StateObjects, WorkflowRegistry } from '../../lib/index.js';
import { startEmulator } from '../support/emulator.js';
import { chaosWorkflow } from './chaos-workflow.js';
import { ControlActions } from './control-actions.js';
import { driverControlPlanes } from './control-planes.js';
import type { FaultSwitch } from './fault-middleware.js';
import type { ChaosOptions } from './options.js';
import { buildReport, type ChaosReport } from './report.js';
import { createChaosResources, queueDepth, type ChaosResources } from './resources.js';
import { deriveSeed, exponentialMs, seededRandom } from './rng.js';
import { startSweepers } from './sweepers.js';
import { scanShard } from './table-scan.js';
import { TableWatch } from './table-watch.js';
import { TraceCollector } from './trace-collector.js';
import { defaultShardCount, timingText } from './worker-config.js';
import { WorkerPool } from './worker-pool.js';

const POLL_MS = 3_000;
/** Failed executions are seen in the worker lines; the table is asked as well every this many polls. */
const FAILED_POLL_EVERY = 5;

/** How a run reports progress and can be interrupted. */
interface RunContext {
  started: number;
  progress: (line: string) => void;
  aborted: () => boolean;
}

/**
 * One chaos run: K worker processes over S shards of the emulator, a sweeper per
 * shard, the driver's control actions and SIGKILLs while faults are injected; then
 * a drain with every fault off, and the checks of every execution from the tables.
 * `progress` gets a line now and then (the CLI prints them on stderr).
 */
export async function runChaos(
  o: ChaosOptions,
  progress: (line: string) => void = () => undefined,
  signal?: AbortSignal,
): Promise<ChaosReport> {
  const run: RunContext = { started: Date.now(), progress, aborted: () => signal?.aborted === true };
  // Two moto servers, one for DynamoDB and one for SQS: each is one Python process, and
  // on a small machine the emulator, not the engine, is what limits the throughput.
  // With AWS_ENDPOINT_URL set both are that endpoint.
  const emulators = await Promise.all([startEmulator(), startEmulator()]);
  try {
    const [dynamo, sqs] = emulators.map((e) => e.endpoint) as [string, string];
    const res = await createChaosResources({ dynamo, sqs }, o.tables ?? defaultShardCount(o.executions, o.steps));
    try {
      return await runOn(res, o, run);
    } finally {
      await res.dispose();
    }
  } finally {
    await Promise.all(emulators.map((e) => e.stop()));
  }
}

async function runOn(res: ChaosResources, o: ChaosOptions, run: RunContext): Promise<ChaosReport> {
  const trace = o.tracePath ? createWriteStream(o.tracePath) : undefined;
  // Separate streams, so that one kind of decision does not shift another's.
  const [planRandom, killRandom, faultRandom] = [1, 2, 3].map((n) => seededRandom(deriveSeed(o.seed, 0xd41e, n))) as [
    () => number,
    () => number,
    () => number,
  ];
  const workflows = new WorkflowRegistry()
    .register(chaosWorkflow(o.steps))
    .register(chaosWorkflow(o.steps, undefined, undefined, true));
  const driverFaults: FaultSwitch = { active: true };
  // The fault reports and the collector's hooks only fire once everything here exists.
  const { planes, destroy } = driverControlPlanes(res, o, workflows, {
    random: faultRandom,
    switch: driverFaults,
    report: ({ id, ...fault }) =>
      collector.see({ k: 'fault', t: Date.now(), w: 'driver', ...fault, ...(id ? { id } : {}) }),
  });
  const controls = new ControlActions(planes, planRandom, {
    ...o,
    pause: o.pauseFraction,
    cancel: o.cancelFraction,
    retry: o.retryFraction,
    poison: o.poisonFraction,
    sleep: o.sleepFraction,
    wait: o.waitFraction,
    large: o.largeFraction,
    chain: o.chainFraction,
  });
  const collector = new TraceCollector(
    {
      stepCompleted: (id, step) => controls.stepCompleted(id, step),
      executionFailed: (id) => (controls.finished(id), controls.failed(id)),
      executionCompleted: (id) => controls.finished(id),
    },
    trace ? (text) => trace.write(`${text}\n`) : undefined,
  );
  const { seed, steps, rates, slowMs, faultLayer, sdkMaxAttempts } = o;
  const pool = new WorkerPool(
    o.workers,
    {
      seed,
      steps,
      rates,
      slowMs,
      faultLayer,
      sdkMaxAttempts,
      dynamoEndpoint: res.writeEndpoint,
      sqsEndpoint: res.sqsEndpoint,
      stateBucket: res.stateBucket,
      s3Endpoint: res.s3Config.endpoint,
      shards: res.shards,
    },
    (line) => collector.see(line),
  );
  const sweepers = startSweepers(res, workflows);
  const watch = new TableWatch(res.documentClient, res.shards);
  const say = (phase: string, line: string): void => run.progress(`${phase}: ${sec(run.started)}s, ${line}`);
  try {
    await pool.ready;
    say('chaos', `${o.workers} workers ready; starting ${o.executions} executions`);
    // Starts go on after the chaos phase if it hits its time limit: the rest run calm.
    const starting = controls.startAll(4, run.aborted);
    let startsDone = false;
    void starting.finally(() => (startsDone = true));
    const chaosStarted = Date.now();
    const chaosEnds = chaosStarted + o.durationSeconds * 1000;
    let nextKill = Date.now() + exponentialMs(killRandom, o.killEverySeconds * 1000);
    let chaosPhase: 'settled' | 'duration' = 'duration';
    for (let poll = 1; Date.now() < chaosEnds && !run.aborted(); poll++) {
      await sleep(POLL_MS);
      while (o.killEverySeconds > 0 && Date.now() >= nextKill) {
        const record = pool.killRandom(killRandom);
        if (record) collector.kill(record);
        nextKill += exponentialMs(killRandom, o.killEverySeconds * 1000);
      }
      if (poll % FAILED_POLL_EVERY === 0) for (const { id } of await watch.idsIn('failed')) controls.failed(id);
      const open = await watch.unfinished();
      controls.sync(open);
      say('chaos', `${controls.counts.start} started, ${open.size} unfinished`);
      if (startsDone && open.size === 0 && controls.pending === 0) {
        chaosPhase = 'settled';
        break;
      }
    }
    const chaosSeconds = (Date.now() - chaosStarted) / 1000;
    pool.calm();
    driverFaults.active = false;
    const drained = await drain(o, res, watch, controls, {
      aborted: run.aborted,
      startsDone: () => startsDone,
      progress: (line) => say('drain', line),
    });
    await starting;
    await pool.stop();
    await sweepers.stop();
    if (run.aborted()) throw new Error('the chaos run was interrupted');
    const contents = [];
    const objects = new S3StateObjects({ bucket: res.stateBucket, client: res.s3 });
    const get = (key: string): Promise<string> => objects.get(key);
    for (const shard of res.shards) contents.push(await scanShard(res.documentClient, res.sqs, shard, get));
    return buildReport({
      options: o,
      shards: res.shards.length,
      timing: timingText(res.shards.length),
      contents,
      collector,
      controls,
      counts: controls.counts,
      plans: controls.plans,
      chaosPhase,
      chaosSeconds,
      drained,
      seconds: (Date.now() - run.started) / 1000,
      workerRestarts: pool.restarts,
      workerFailures: pool.failures,
    });
  } finally {
    await pool.stop();
    await sweepers.stop();
    destroy();
    trace?.end();
  }
}

/**
 * Faults off: starts what is left to start, resumes whatever is paused, until every
 * execution has started and finished, no control action is pending and every queue
 * is empty, or the timeout.
 */
async function drain(
  o: ChaosOptions,
  res: ChaosResources,
  watch: TableWatch,
  controls: ControlActions,
  run: { aborted: () => boolean; startsDone: () => boolean; progress: (line: string) => void },
): Promise<boolean> {
  const ends = Date.now() + o.drainSeconds * 1000;
  while (Date.now() < ends && !run.aborted()) {
    await Promise.all((await watch.idsIn('paused')).map(({ id }) => controls.resume(id)));
    for (const { id } of await watch.idsIn('failed')) controls.failed(id);
    const open = await watch.unfinished();
    controls.sync(open);
    const depths = await Promise.all(res.shards.map((s) => queueDepth(res.sqs, s.queueUrl)));
    const queued = depths.reduce((a, b) => a + b, 0);
    run.progress(`${controls.counts.start} started, ${open.size} unfinished, ${queued} messages queued`);
    if (run.startsDone() && controls.pending === 0 && open.size === 0 && queued === 0) return true;
    await sleep(POLL_MS);
  }
  return false;
}

function sec(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}
