import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ErrorCode, LongRunningError, ValidationError } from '../core/errors.js';
import { isSafeId } from '../core/ids.js';
import { jobExpiry } from '../runtime/bulk-jobs.js';
import type { BulkJob, JobStore } from '../runtime/bulk-model.js';
import { send } from './dynamodb/requests.js';
import { conditionFailure, translateSdkError } from './dynamodb/sdk-errors.js';
import type { TableContext } from './dynamodb/table-context.js';
import { TableKeys, TTL_ATTRIBUTE, jobPk } from './schema/table-schema.js';
import type { DynamoDbExecutionStoreOptions } from './execution-store/dynamodb-execution-store.js';

/**
 * The {@link JobStore} on the executions' table: one item per job (`JOB#<id>` /
 * `JOB`), the job as JSON text beside its `rev`. Each write is one PutItem,
 * conditional on the item being new (create) or on the `rev` it was read with, and
 * a finished job expires by TTL after JOB_RETENTION_MS.
 */
export class DynamoDbJobStore implements JobStore {
  readonly #ctx: TableContext;

  constructor(options: Pick<DynamoDbExecutionStoreOptions, 'client' | 'tableName'>) {
    if (!options.tableName) throw new ValidationError('tableName is required');
    this.#ctx = { client: options.client, tableName: options.tableName, maxItemBytes: 400 * 1024 };
  }

  async createJob(job: BulkJob): Promise<{ job: BulkJob; created: boolean }> {
    if (await this.#put(job, 'attribute_not_exists(pk)')) return { job, created: true };
    const existing = await this.getJob(job.id);
    if (!existing)
      throw new LongRunningError(ErrorCode.Conflict, `job ${job.id} was being replaced; try again`, {
        retryable: true,
      });
    return { job: existing, created: false };
  }

  async getJob(id: string): Promise<BulkJob | undefined> {
    if (!isSafeId(id)) return undefined;
    const ctx = this.#ctx;
    const out = await send(ctx, 'GetItem', () =>
      ctx.client.send(new GetCommand({ TableName: ctx.tableName, Key: key(id), ConsistentRead: true })),
    );
    const text: unknown = out.Item?.['job'];
    if (out.Item === undefined) return undefined;
    if (typeof text !== 'string') {
      throw new LongRunningError(
        ErrorCode.CorruptRecord,
        `corrupt record in job item ${id}: field "job" must be JSON text`,
      );
    }
    try {
      return JSON.parse(text) as BulkJob;
    } catch (thrown) {
      throw new LongRunningError(ErrorCode.CorruptRecord, `corrupt record in job item ${id}: ${String(thrown)}`);
    }
  }

  replaceJob(base: BulkJob, next: BulkJob): Promise<boolean> {
    if (next.id !== base.id) throw new ValidationError('a job cannot change its id');
    return this.#put(next, 'rev = :rev', { ':rev': base.rev });
  }

  async #put(job: BulkJob, condition: string, values?: Record<string, unknown>): Promise<boolean> {
    const ctx = this.#ctx;
    const expiry = jobExpiry(job);
    try {
      await ctx.client.send(
        new PutCommand({
          TableName: ctx.tableName,
          Item: {
            ...key(job.id),
            rev: job.rev,
            job: JSON.stringify(job),
            ...(expiry === undefined ? {} : { [TTL_ATTRIBUTE]: Math.ceil(expiry / 1000) }),
          },
          ConditionExpression: condition,
          ...(values === undefined ? {} : { ExpressionAttributeValues: values }),
        }),
      );
      return true;
    } catch (thrown) {
      if (conditionFailure(thrown)) return false;
      throw translateSdkError(thrown, `DynamoDB PutItem (job ${job.id}) on ${ctx.tableName}`);
    }
  }
}

function key(id: string): { pk: string; sk: string } {
  return { pk: jobPk(id), sk: TableKeys.jobSk };
}
