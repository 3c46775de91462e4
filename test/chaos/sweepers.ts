import { makeSweeper } from '../../functions/sweeper/sweeper-handler.js';
import { DynamoDbExecutionStore, noopLogger, SqsStepQueue, type WorkflowRegistry } from '../../lib/index.js';
import { startSweeperTimer } from '../../lib/local/sweeper-timer.js';
import { DRIVER_SETTINGS } from './control-planes.js';
import type { ChaosResources } from './resources.js';
import { sweepEveryMsFor } from './worker-config.js';
import { noMetrics } from '../../functions/shared/metrics.js';

/**
 * The sweeper of each shard (the deployed sweeper handler on a timer standing in for
 * its EventBridge schedule), staggered over the period. Sweepers read the table
 * directly and send without faults: they are the recovery path under test.
 */
export function startSweepers(res: ChaosResources, workflows: WorkflowRegistry): { stop: () => Promise<void> } {
  const every = sweepEveryMsFor(res.shards.length);
  const timers = res.shards.map((shard, i) => {
    const handler = makeSweeper({
      runtime: {
        store: new DynamoDbExecutionStore({ client: res.documentClient, tableName: shard.tableName }),
        queue: new SqsStepQueue({ client: res.sqs, queueUrl: shard.queueUrl }),
        workflows,
        ...DRIVER_SETTINGS,
      },
      logger: noopLogger,
      metrics: noMetrics,
      limit: 100,
    });
    let timer: { stop: () => Promise<void> } | undefined;
    const offset = setTimeout(
      () => (timer = startSweeperTimer(handler, { intervalMs: every })),
      (every * i) / res.shards.length,
    );
    return async () => {
      clearTimeout(offset);
      await timer?.stop();
    };
  });
  return { stop: async () => void (await Promise.all(timers.map((stop) => stop()))) };
}
