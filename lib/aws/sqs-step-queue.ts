import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ValidationError } from '../core/errors.js';
import type { StepMessage } from '../runtime/model.js';
import type { JobMessage } from '../runtime/bulk-model.js';
import type { StepQueue } from '../runtime/ports.js';
import { assertDelaySeconds, checkedStepMessage } from '../runtime/step-message.js';
import { translateSdkError } from './dynamodb/sdk-errors.js';

/** Options of {@link SqsStepQueue}. */
export interface SqsStepQueueOptions {
  /** The SQS client, created once per handler module and passed in. */
  client: SQSClient;
  /** URL of the step queue (see `queue-schema.ts`). */
  queueUrl: string;
}

/**
 * The {@link StepQueue} on an SQS standard queue: one SendMessage per step attempt,
 * the body the JSON of the {@link StepMessage}, `DelaySeconds` for backoff. Throttling
 * and service faults become retryable THROTTLED / STORE_UNAVAILABLE errors.
 *
 * @example
 * const queue = new SqsStepQueue({ client: new SQSClient({}), queueUrl: env.QUEUE_URL });
 * await queue.send({ v: 1, executionId, step: 1, token: 1 }, 30);
 */
export class SqsStepQueue implements StepQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(options: SqsStepQueueOptions) {
    if (!options.queueUrl) throw new ValidationError('queueUrl is required');
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
  }

  /** Sends `message` (a step or job message), visible after `delaySeconds` (a whole number from 0 to 900). */
  async send(message: StepMessage | JobMessage, delaySeconds = 0): Promise<void> {
    assertDelaySeconds(delaySeconds);
    const body = JSON.stringify(checkedStepMessage(message));
    try {
      await this.#client.send(
        new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: body, DelaySeconds: delaySeconds }),
      );
    } catch (thrown) {
      throw translateSdkError(thrown, `SQS SendMessage to ${this.#queueUrl}`);
    }
  }
}
