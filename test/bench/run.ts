/**
 * `npm run bench`: prints the benchmark figures. Not part of `npm test`: these
 * machines are shared and noisy, so figures are read, never asserted.
 */
import { benchExecutor } from './executor-bench.js';

async function main(): Promise<void> {
  const only = process.argv[2];
  if (!only || only === 'executor') {
    console.log('== In-process Executor (trivial steps; time is executor + store overhead) ==');
    const rows = await benchExecutor();
    console.table(
      rows.map((r) => ({
        store: r.store,
        steps: r.steps,
        'us/step': r.usPerStep.toFixed(1),
        'bytes written/step': r.bytesPerStep.toFixed(0),
        'saves/step': r.savesPerStep.toFixed(2),
      })),
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
