import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Effect, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { DEFAULT_STATE_PREFIX, INPUT_UPLOAD_PREFIX } from '../lib/index.js';
import type { HandlerName } from './handler-function.js';

/** Settings of {@link createStateBucket}. */
export interface StateBucketOptions {
  removalPolicy: RemovalPolicy;
  /** The table's customer managed key, used for the bucket too; S3 managed keys without one. */
  encryptionKey: IKey | undefined;
  /** Objects older than this are deleted by a lifecycle rule; kept until their execution is deleted when absent. */
  retention: Duration | undefined;
}

/**
 * The S3 actions each function calls on the state objects (lib/aws/large-state):
 * the worker reads a large state once per step and writes the next one; the API
 * writes a large start input, reads states for `retry`'s checks and views, and
 * deletes an execution's objects with the execution (listing its prefix first).
 * The sweeper never touches states.
 *
 * `uploads`: the actions on the uploaded start inputs (`uploads/*`). Only the API
 * uses them: it signs the upload URLs (so its role must be allowed the PUT the URL
 * makes), reads an upload when its execution starts, then deletes it.
 */
export const STATE_ACTIONS: Record<
  HandlerName,
  { objects: readonly string[]; list: boolean; uploads: readonly string[] }
> = {
  'step-worker': { objects: ['s3:GetObject', 's3:PutObject'], list: false, uploads: [] },
  sweeper: { objects: [], list: false, uploads: [] },
  api: {
    objects: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
    list: true,
    uploads: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
  },
};

/** Uploaded start inputs not used by then are deleted by the lifecycle rule: the URL itself lasts 15 minutes. */
export const UPLOAD_EXPIRY_DAYS = 1;

/**
 * The bucket of large states: private (all public access blocked, bucket-owner
 * objects, TLS only), encrypted at rest (with the table's key when one is given),
 * unversioned (objects are content-addressed and never overwritten with other
 * content). A lifecycle rule aborts multipart uploads left after a day and, with a
 * `retention`, expires old objects; another expires start inputs uploaded through the
 * API (`uploads/`) after a day, as one that was never used to start is never deleted.
 */
export function createStateBucket(scope: Construct, id: string, options: StateBucketOptions): Bucket {
  const bucket = new Bucket(scope, id, {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    versioned: false,
    removalPolicy: options.removalPolicy,
    ...(options.encryptionKey
      ? { encryption: BucketEncryption.KMS, encryptionKey: options.encryptionKey, bucketKeyEnabled: true }
      : { encryption: BucketEncryption.S3_MANAGED }),
    lifecycleRules: [
      {
        id: 'state-objects',
        abortIncompleteMultipartUploadAfter: Duration.days(1),
        ...(options.retention ? { expiration: options.retention } : {}),
      },
      { id: 'input-uploads', prefix: INPUT_UPLOAD_PREFIX, expiration: Duration.days(UPLOAD_EXPIRY_DAYS) },
    ],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason:
      "Only the engine's own functions read and write this bucket, through their roles; their calls are in CloudTrail. " +
      'Server access logs would need a second bucket per deployment for no additional signal.',
  });
  return bucket;
}

/**
 * Grants `name`'s actions of {@link STATE_ACTIONS} on the state objects (and listing
 * under their prefix) and on the uploaded inputs, nothing else.
 */
export function grantStateAccess(role: Role, name: HandlerName, bucket: Bucket): void {
  const access = STATE_ACTIONS[name];
  const logicalId = Stack.of(bucket).resolve((bucket.node.defaultChild as CfnBucket).logicalId) as string;
  const grantUnder = (actions: readonly string[], prefix: string, why: string): void => {
    if (actions.length === 0) return;
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: [...actions],
        resources: [bucket.arnForObjects(`${prefix}*`)],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`,
      reason: `${why}, so no fixed list of ARNs exists; the grant is limited to that prefix of this deployment's own bucket and to the actions listed.`,
    });
  };
  grantUnder(
    access.objects,
    DEFAULT_STATE_PREFIX,
    'State objects are named by execution id and content hash when they are written',
  );
  grantUnder(
    access.uploads,
    INPUT_UPLOAD_PREFIX,
    'Uploaded start inputs are named by a random upload id made when the upload URL is asked for',
  );
  if (access.list) {
    role.addToPrincipalPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${DEFAULT_STATE_PREFIX}*`] } },
      }),
    );
  }
}
