/**
 * `npm run bench`: prints the benchmark figures. Not part of `npm test`: these
 * machines are shared and noisy, so figures are read, never asserted.
 */
import { benchBytes } from './bytes-bench.js';
import { benchColdStart } from './cold-start-bench.js';
import { benchConsole } from './console-bench.js';
import { benchExecutor } from './executor-bench.js';
import {
  benchRuntime,
  COST_ASSUMPTIONS,
  costPerMillionSteps,
  PLATFORM_LOG_BYTES_PER_INVOCATION,
  PRICES,
} from './runtime-bench.js';
import { benchWaits } from './wait-bench.js';
import { benchLimits, printLimits } from './limits-bench.js';

async function main(): Promise<void> {
  const only = process.argv[2];
  if (!only || only === 'executor') {
    console.log('== In-process Executor (trivial steps; time is executor + store overhead) ==');
    console.log('floor: a bare loop in the same run that runs the step and saves the same JSON bytes');
    console.log('(memory: into a map; file: write + fsync + rename); target: at most the given multiple of it;');
    console.log(
      'each figure is the best of its runs, taking turns with the floor: in memory as many as make 20,000 steps (at least 3); on files 3 (1 for 10,000 steps)',
    );
    const rows = await benchExecutor();
    console.table(
      rows.map((r) => ({
        store: r.store,
        steps: r.steps,
        'us/step': r.usPerStep.toFixed(1),
        'floor us/step': r.floorUsPerStep.toFixed(1),
        ratio: `${r.ratio.toFixed(2)}x`,
        target: `<= ${r.target}x`,
        'bytes written/step': r.bytesPerStep.toFixed(0),
        'saves/step': r.savesPerStep.toFixed(2),
      })),
    );
  }
  if (!only || only === 'limits') {
    console.log('\n== Flow control: what a limited step costs (serverless runtime, emulator; counts, not times) ==');
    printLimits(await benchLimits());
  }
  if (!only || only === 'runtime') {
    console.log('\n== Serverless runtime through the emulator (moto, or AWS_ENDPOINT_URL) ==');
    const r = await benchRuntime();
    console.log('requests per step (steady state, one 50-step execution):');
    console.table(Object.fromEntries(Object.entries(r.requestsPerStep).map(([k, v]) => [k, v.toFixed(2)])));
    console.log(
      `DynamoDB requests/step ${r.storeWritesPerStep.toFixed(2)} (target 3: claim, checkpoint put, head update); SQS sends/step ${r.queueSendsPerStep.toFixed(2)} (the next step's message, priced under SQS)`,
    );
    console.log(
      `item bytes: head ${r.headItemBytes}, checkpoint ${r.checkpointItemBytes}; write units/step ${r.writeUnitsPerStep.toFixed(2)} (of which the active index ${r.indexUnitsPerStep.toFixed(2)}; target 3)`,
    );
    const lean = r.withoutHistory;
    console.log(
      `checkpointHistory 'none': DynamoDB requests/step ${lean.storeWritesPerStep.toFixed(2)} (target 2; transactions ${lean.transactionsPerStep.toFixed(2)}), SQS sends/step ${r.queueSendsPerStep.toFixed(2)}, write units/step ${lean.writeUnitsPerStep.toFixed(2)} (target 2)`,
    );
    const c = r.chained;
    console.log(
      `chainSteps: DynamoDB requests/step ${c.storeWritesPerStep.toFixed(2)} (target 3), SQS sends/step ${c.queueSendsPerStep.toFixed(2)} (the start's send starts the chain), write units/step ${c.writeUnitsPerStep.toFixed(2)}, ${c.stepsPerSecond.toFixed(1)} steps/s for one execution`,
    );
    console.table(
      r.stepsPerSecond.map((s) => ({
        ...s,
        seconds: s.seconds.toFixed(2),
        stepsPerSecond: s.stepsPerSecond.toFixed(1),
      })),
    );
    const logs = r.logBytesPerStep;
    console.log(
      `logs: ${logs.inBatch.toFixed(0)} bytes a step in batches of ${logs.batchSize}, ${logs.alone.toFixed(0)} at one message an invocation ` +
        `(the step's INFO line, the end's shared by ${COST_ASSUMPTIONS.stepsPerExecution} steps, the invocation's metrics line and Lambda's own ${PLATFORM_LOG_BYTES_PER_INVOCATION} bytes); ` +
        `start through the HTTP API: ${r.logBytesPerStart.toFixed(0)} bytes of logs (the API's lines, Lambda's and the access log line); ` +
        `create: ${r.createWriteUnits} write units an execution, end: ${r.completeWriteUnits} (its index entries), each amortised over the steps of an execution`,
    );
    const inBatch = { ...r, logBytesPerStep: logs.inBatch };
    const rows = {
      'with checkpoint history': { cost: costPerMillionSteps(inBatch), target: 3.2 },
      "checkpointHistory 'none'": {
        cost: costPerMillionSteps({ ...inBatch, writeUnitsPerStep: lean.writeUnitsPerStep }),
        target: 2.6,
      },
      'chainSteps, with history': { cost: costPerMillionSteps({ ...r, ...c }), target: 3.2 },
      'with history, one message an invocation': {
        cost: costPerMillionSteps({ ...r, logBytesPerStep: logs.alone }, { ...COST_ASSUMPTIONS, batchSize: 1 }),
        target: undefined,
      },
    };
    console.log(
      `cost per million steps at list prices ${JSON.stringify(PRICES)}, assuming ${JSON.stringify(COST_ASSUMPTIONS)}:`,
    );
    console.table(
      Object.fromEntries(
        Object.entries(rows).map(([name, { cost, target }]) => [
          name,
          {
            ...Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, `$${v.toFixed(2)}`])),
            target: target === undefined ? '' : `<= $${target.toFixed(2)}`,
          },
        ]),
      ),
    );
  }
  if (!only || only === 'bytes') {
    console.log('\n== DynamoDB bytes written per step (claim + commit items), by length and events seen ==');
    const rows = await benchBytes();
    console.table(
      rows.map((r) => ({
        shape: r.shape,
        steps: r.steps,
        events: r.events,
        'bytes/step': r.bytesPerStep.toFixed(0),
        'head bytes at the end': r.headBytes,
      })),
    );
    const ratio = (shape: string) => {
      const of = rows.filter((r) => r.shape === shape);
      return ((of.at(-1)?.bytesPerStep ?? 0) / (of[0]?.bytesPerStep ?? 1)).toFixed(2);
    };
    console.log(
      `longest / shortest: ${ratio('a goto loop')} for the loop, ${ratio('a wait for an event before each step')} with events (target ≤ 1.1)`,
    );
  }
  if (!only || only === 'cold-start') {
    console.log('\n== Step worker module init, as bundled by the construct (fresh node process, 21 runs in turns) ==');
    const rows = await benchColdStart();
    console.table(
      rows.map((r) => ({
        module: r.module,
        'median ms': r.medianMs.toFixed(1),
        'best ms': r.bestMs.toFixed(1),
        size: r.size,
        'x floor (median)': r.ratio.toFixed(2),
        'x floor (best)': r.bestRatio.toFixed(2),
      })),
    );
    console.log(
      'target: the worker within 1.1x of the floor; read on the best runs, as the executor bench reads its figures (time taken by other work on a shared machine only adds)',
    );
  }
  if (!only || only === 'waits') {
    console.log('\n== Waits on the serverless runtime through the emulator ==');
    const w = await benchWaits();
    console.log(
      'cost of a sleep beyond the same execution without it (requests, write units, dollars at list prices):',
    );
    console.table(
      w.costs.map((c) => ({
        sleep: c.sleep,
        ...c.extraRequests,
        'write units': c.extraWriteUnits,
        dollars: `$${c.dollars.toFixed(7)}`,
      })),
    );
    const ms = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(0)} ms`);
    console.log(
      `wake-up lateness of a 2 s sleep over ${w.lateness.count} executions: p50 ${ms(w.lateness.p50)}, p95 ${ms(w.lateness.p95)}, max ${ms(w.lateness.max)}`,
    );
  }
  if (!only || only === 'console') {
    console.log(
      '\n== Web console: the execution list in Chromium, 50 rows a page up to 500 (fake API, minified build) ==',
    );
    const c = await benchConsole();
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    console.table({
      'load the last 50 onto 450': {
        ms: ms(c.lastPage.ms),
        'script / layout': `${ms(c.lastPage.scriptMs)} / ${ms(c.lastPage.layoutMs)}`,
        'long tasks': c.lastPage.longTasks,
        longest: ms(c.lastPage.longestMs),
      },
      'all 9 loads, 50 to 500': {
        ms: '-',
        'long tasks': c.allLoads.longTasks,
        longest: ms(c.allLoads.longestMs),
      },
      [`refresh all ${c.rows}`]: {
        ms: ms(c.refresh.ms),
        'script / layout': `${ms(c.refresh.scriptMs)} / ${ms(c.refresh.layoutMs)}`,
        'long tasks': c.refresh.longTasks,
        longest: ms(c.refresh.longestMs),
      },
      '5 s idle (clock ticks)': { ms: '-', 'long tasks': c.idle.longTasks, longest: ms(c.idle.longestMs) },
      'whole session': { ms: '-', 'long tasks': c.session.longTasks, longest: ms(c.session.longestMs) },
    });
    console.log('target: no long task > 50 ms during the loads and the refresh');
    console.log(
      `rows ${c.rows}; JS heap used after a GC ${(c.heapBytes / 1024 / 1024).toFixed(1)} MB; gzipped app.js ${(c.gzip.js / 1024).toFixed(1)} KB, app.css ${(c.gzip.css / 1024).toFixed(1)} KB`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
