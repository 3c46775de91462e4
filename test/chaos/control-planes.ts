import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  ControlPlane,
  DynamoDbExecutionStore,
  LargeStateExecutionStore,
  S3StateObjects,
  SqsStepQueue,
  type WorkflowRegistry,
} from '../../lib/index.js';
import { emulatorClientConfig } from '../support/aws-resources.js';
import { installFaults, type FaultInjection, type FaultSwitch } from './fault-middleware.js';
import type { ChaosOptions } from './options.js';
import type { ChaosResources } from './resources.js';
import type { Random } from './rng.js';
import { CHAOS_MAX_STATE_BYTES, CHAOS_TIMING } from './worker-config.js';

/** The runtime settings the driver's ControlPlanes and sweepers share with the workers. */
export const DRIVER_SETTINGS = {
  leaseMs: CHAOS_TIMING.leaseMs,
  heartbeatMs: CHAOS_TIMING.heartbeatMs,
  stallAfterMs: CHAOS_TIMING.stallAfterMs,
} as const;

/**
 * One ControlPlane per shard, as the API handler of each deployment would build it,
 * over SDK clients with the same faults as the workers' (DynamoDB writes through the
 * serializing proxy), large states kept in the run's bucket as the workers keep them
 * (S3 without faults). `destroy` closes the clients.
 */
export function driverControlPlanes(
  res: ChaosResources,
  o: ChaosOptions,
  workflows: WorkflowRegistry,
  faults: { random: Random; switch: FaultSwitch; report: FaultInjection['report'] },
): { planes: ControlPlane[]; destroy: () => void } {
  const dynamodb = new DynamoDBClient({ ...emulatorClientConfig(res.writeEndpoint), maxAttempts: o.sdkMaxAttempts });
  const sqs = new SQSClient({ ...emulatorClientConfig(res.sqsEndpoint), maxAttempts: o.sdkMaxAttempts });
  for (const [client, service] of [
    [dynamodb, 'dynamodb'],
    [sqs, 'sqs'],
  ] as const) {
    installFaults(client, { service, rates: o.rates, mode: o.faultLayer, slowMs: o.slowMs, ...faults });
  }
  const documentClient = DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } });
  const objects = new S3StateObjects({ bucket: res.stateBucket, client: res.s3 });
  const planes = res.shards.map(
    (s) =>
      new ControlPlane({
        store: new LargeStateExecutionStore(
          new DynamoDbExecutionStore({ client: documentClient, tableName: s.tableName }),
          { objects, maxStateBytes: CHAOS_MAX_STATE_BYTES },
        ),
        queue: new SqsStepQueue({ client: sqs, queueUrl: s.queueUrl }),
        workflows,
        ...DRIVER_SETTINGS,
      }),
  );
  return {
    planes,
    destroy: () => {
      dynamodb.destroy();
      sqs.destroy();
    },
  };
}
