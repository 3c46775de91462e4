import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ValidationError } from '../core/errors.js';
import type { StepMessage } from '../runtime/model.js';
import type { StepQueue } from '../runtime/ports.js';
import { MAX_DELAY_SECONDS } from './schema/queue-schema.js';
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

  /** Sends `message`, visible after `delaySeconds` (a whole number from 0 to 900). */
  async send(message: StepMessage, delaySeconds = 0): Promise<void> {
    if (!Number.isSafeInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > MAX_DELAY_SECONDS) {
      throw new ValidationError(
        `delaySeconds must be a whole number from 0 to ${MAX_DELAY_SECONDS}, got ${String(delaySeconds)}`,
        {
          delaySeconds,
        },
      );
    }
    const body = stepMessageBody(message);
    try {
      await this.#client.send(
        new SendMessageCommand({ QueueUrl: this.#queueUrl, MessageBody: body, DelaySeconds: delaySeconds }),
      );
    } catch (thrown) {
      throw translateSdkError(thrown, `SQS SendMessage to ${this.#queueUrl}`);
    }
  }
}

/** The JSON body of a step message, after checking its fields (VALIDATION_ERROR otherwise). */
export function stepMessageBody(message: StepMessage): string {
  const { v, executionId, step, token } = message;
  const count = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;
  if (v !== 1 || typeof executionId !== 'string' || executionId === '' || !count(step) || !count(token)) {
    throw new ValidationError('a step message needs v: 1, a non-empty executionId and whole-number step and token', {
      executionId,
      step,
      token,
    });
  }
  return JSON.stringify({ v, executionId, step, token });
}
