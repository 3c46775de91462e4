import { randomUUID } from 'node:crypto';
import { defaultMaxListeners, setMaxListeners } from 'node:events';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { ValidationError } from '../core/errors.js';
import { type Logger, noopLogger } from '../core/logger.js';

/** The worker handler the poller feeds, shaped like the Lambda one. */
export type BatchHandler = (
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis' | 'awsRequestId'>,
) => Promise<SQSBatchResponse>;

/** Options of {@link SqsPoller}. */
export interface SqsPollerOptions {
  client: SQSClient;
  queueUrl: string;
  handler: BatchHandler;
  /** Messages per batch, 1 to 10 (default 10). */
  batchSize?: number;
  /** Long-poll wait, 0 to 20 seconds (default 20). */
  waitTimeSeconds?: number;
  /** The deadline each batch gets, like a Lambda function timeout (default 60 s). */
  functionTimeoutMs?: number;
  /** Batches processed at once (default 2). */
  concurrency?: number;
  /**
   * Seconds before a reported failure is visible again. Undefined (the default)
   * leaves it to the queue's visibility timeout, as Lambda does.
   */
  failureVisibilitySeconds?: number;
  logger?: Logger;
}

/** What one poll did. */
export interface PollResult {
  received: number;
  deleted: number;
  failed: number;
}

/**
 * Feeds SQS batches to a step-worker handler the way Lambda's event source
 * mapping does: long-polls, passes each batch as an SQS event with a
 * Lambda-like context, deletes the records the handler acknowledged, and leaves
 * the `batchItemFailures` (or the whole batch, if the handler throws) to come
 * back after the visibility timeout.
 *
 * @example
 * const poller = new SqsPoller({ client: sqs, queueUrl, handler: makeStepWorker(deps) });
 * poller.start();
 * // ... later
 * await poller.stop(); // in-flight batches finish first
 */
export class SqsPoller {
  readonly #o: Required<Omit<SqsPollerOptions, 'failureVisibilitySeconds'>> & {
    failureVisibilitySeconds: number | undefined;
  };
  #running = false;
  #loops: Promise<void>[] = [];
  #abort = new AbortController();

  constructor(options: SqsPollerOptions) {
    const batchSize = options.batchSize ?? 10;
    const waitTimeSeconds = options.waitTimeSeconds ?? 20;
    const concurrency = options.concurrency ?? 2;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10)
      throw new ValidationError(`batchSize must be 1 to 10, got ${batchSize}`);
    if (!Number.isInteger(waitTimeSeconds) || waitTimeSeconds < 0 || waitTimeSeconds > 20)
      throw new ValidationError(`waitTimeSeconds must be 0 to 20, got ${waitTimeSeconds}`);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      throw new ValidationError(`concurrency must be 1 to 64, got ${concurrency}`);
    this.#o = {
      client: options.client,
      queueUrl: options.queueUrl,
      handler: options.handler,
      batchSize,
      waitTimeSeconds,
      concurrency,
      functionTimeoutMs: options.functionTimeoutMs ?? 60_000,
      failureVisibilitySeconds: options.failureVisibilitySeconds,
      logger: options.logger ?? noopLogger,
    };
  }

  /** Receives one batch (waiting up to `waitTimeSeconds`) and processes it. */
  async pollOnce(): Promise<PollResult> {
    const o = this.#o;
    const received = await o.client.send(
      new ReceiveMessageCommand({
        QueueUrl: o.queueUrl,
        MaxNumberOfMessages: o.batchSize,
        WaitTimeSeconds: o.waitTimeSeconds,
        MessageSystemAttributeNames: ['All'],
      }),
      { abortSignal: this.#abort.signal },
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return { received: 0, deleted: 0, failed: 0 };
    const failedIds = await this.#invoke(messages);
    const acked = messages.filter((m) => m.MessageId && !failedIds.has(m.MessageId));
    await this.#delete(acked);
    const failed = messages.filter((m) => m.MessageId && failedIds.has(m.MessageId));
    if (o.failureVisibilitySeconds !== undefined && failed.length > 0) {
      await o.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: o.queueUrl,
          Entries: failed.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle!,
            VisibilityTimeout: o.failureVisibilitySeconds!,
          })),
        }),
      );
    }
    return { received: messages.length, deleted: acked.length, failed: failed.length };
  }

  /** Polls continuously with `concurrency` loops until {@link stop}. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#abort = new AbortController();
    // Every loop's long poll listens on this signal, and the SDK removes its listener
    // only once the socket closes, so a loop can hold two for a moment: allow that
    // without Node's listener-leak warning, which fires past ten by default.
    setMaxListeners(Math.max(defaultMaxListeners, 2 * this.#o.concurrency), this.#abort.signal);
    this.#loops = Array.from({ length: this.#o.concurrency }, () => this.#loop());
  }

  /** Stops polling; resolves once the batches in flight are processed and acknowledged. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#abort.abort();
    await Promise.all(this.#loops);
    this.#loops = [];
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      try {
        await this.pollOnce();
      } catch (err) {
        if (!this.#running) return;
        this.#o.logger.warn('poll failed; retrying in 1 s', {
          error: err instanceof Error ? err.message : String(err),
        });
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  async #invoke(messages: Message[]): Promise<Set<string>> {
    const o = this.#o;
    const deadline = Date.now() + o.functionTimeoutMs;
    const context = { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
    try {
      const response = await o.handler({ Records: messages.map((m) => toRecord(m, o.queueUrl)) }, context);
      return new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    } catch (err) {
      o.logger.error('worker handler threw; the whole batch will be redelivered', {
        error: err instanceof Error ? err.message : String(err),
      });
      return new Set(messages.map((m) => m.MessageId ?? ''));
    }
  }

  async #delete(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const o = this.#o;
    const result = await o.client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: o.queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    for (const f of result.Failed ?? [])
      o.logger.warn('could not delete an acknowledged message; it will be redelivered and dropped by the claim', {
        code: f.Code,
      });
  }
}

function toRecord(m: Message, queueUrl: string): SQSRecord {
  const attrs = m.Attributes ?? {};
  return {
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? '1',
      SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
      SenderId: attrs.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueUrl,
    awsRegion: 'us-east-1',
  };
}
