/**
 * Deploys the app stack to the emulator and checks the deployed resources with the SDK:
 * `cdk bootstrap`, then `cdk deploy --app <assembly>` with the project's CDK CLI (the one
 * `npx cdk` runs), the assembly synthesized (and bundled) in this process meanwhile.
 *
 * moto 5.2's CloudFormation cannot create every resource type of the stack, so the
 * app is deployed with `-c longrunning:emulatorCompat=true`, which leaves out:
 * - `AWS::ApiGatewayV2::*` (the HTTP API; moto has no CloudFormation model for it),
 * - `AWS::SecretsManager::Secret` (no model either; the functions get a generated value), and
 * - `AWS::CloudWatch::Alarm` (no model either) with the dashboard, whose `Fn::GetAtt` on a
 *   skipped alarm fails the whole stack ("Fn::GetAtt references undefined resource").
 * moto also skips `AWS::SQS::QueuePolicy` (the TLS-only policies) and ignores the table's
 * `TimeToLiveSpecification` and `PointInTimeRecoverySpecification` and the functions'
 * `Architectures` and `LoggingConfig`; the template tests cover all of those.
 *
 * Two moto quirks are handled here: it reads a template URL's bucket from the path only
 * when the host is `localhost` (AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION), and it reports
 * stack outputs only for stacks created directly (`--method=direct`), not by change set.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeEventBusCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
} from '@aws-sdk/client-eventbridge';
import {
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/repo-root.js';
import { stepQueueSchema } from '../../lib/aws/schema/queue-schema.js';
import { tableSchema } from '../../lib/aws/schema/table-schema.js';
import { emulatorClientConfig } from '../support/aws-resources.js';
import { startEmulator, type Emulator } from '../support/emulator.js';
import { buildStack } from './stack-fixture.js';

const DEPLOY_TIMEOUT_MS = 300_000;

/** The environment of the CDK CLI: the emulator for every service, dummy credentials, no network calls of its own. */
function cliEnvironment(endpoint: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_') || name.startsWith('CDK_')) delete env[name];
  const url = new URL(endpoint);
  return {
    ...env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: `${url.protocol}//localhost:${url.port}`,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
  };
}

/** The project's CDK CLI, the one `npx cdk` runs (called directly: npx adds most of a second per call). */
const CDK_CLI = join(REPO_ROOT, 'node_modules', '.bin', 'cdk');

/** Runs `cdk <args>` in `cwd`, failing with the end of its output. */
function cdk(args: string[], env: NodeJS.ProcessEnv, cwd = REPO_ROOT): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(CDK_CLI, [...args, '--no-notices'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`cdk ${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

/** Whether the emulator is moto server (it answers on /moto-api/). */
async function isMoto(endpoint: string): Promise<boolean> {
  const res = await fetch(`${endpoint}/moto-api/`).catch(() => undefined);
  await res?.body?.cancel();
  return res?.ok ?? false;
}

describe('the app deployed to the emulator with cdk bootstrap and cdk deploy', () => {
  const stackName = `LongRunningEmu${Date.now().toString(36)}`;
  let emulator: Emulator;
  let moto = true;
  let outputs: { TableName: string; QueueUrl: string };
  let dynamodb: DynamoDBClient;
  let sqs: SQSClient;
  let lambda: LambdaClient;
  let events: EventBridgeClient;
  let functions: FunctionConfiguration[];

  beforeAll(async () => {
    emulator = await startEmulator();
    moto = await isMoto(emulator.endpoint);
    const config = emulatorClientConfig(emulator.endpoint);
    dynamodb = new DynamoDBClient(config);
    sqs = new SQSClient(config);
    lambda = new LambdaClient(config);
    events = new EventBridgeClient(config);
    // The emulator's account (moto: 123456789012 unless MOTO_ACCOUNT_ID says otherwise; LocalStack: 000000000000).
    const bus = await events.send(new DescribeEventBusCommand({}));
    const account = bus.Arn?.split(':')[4] ?? '';
    expect(account).toMatch(/^\d{12}$/);
    const env = cliEnvironment(emulator.endpoint);
    // Outside the project, so that the CLI does not synthesize the app (cdk.json) just to bootstrap.
    const bootstrapped = cdk(
      ['bootstrap', `aws://${account}/us-east-1`],
      env,
      mkdtempSync(join(tmpdir(), 'longrunning-bootstrap-')),
    );
    bootstrapped.catch(() => undefined); // awaited below; not unhandled if the synth throws first
    // Meanwhile, synthesize the app stack in this process (bundled, as `cdk synth` does; the
    // templates are validated by the cdk-nag test) into a cloud assembly for `cdk deploy --app`.
    const { app } = buildStack(
      { emulatorCompat: true, environment: { AGENT_STEP_MS: '2000' } },
      { bundle: true, stackName },
    );
    const assembly = app.synth().directory;
    await bootstrapped;
    const outputsFile = join(assembly, 'outputs.json');
    await cdk(
      ['deploy', '--app', assembly, '--require-approval', 'never', '--method', 'direct', '--outputs-file', outputsFile],
      env,
    );
    outputs = (JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, typeof outputs>)[
      stackName
    ] as typeof outputs;
    const listed = await lambda.send(new ListFunctionsCommand({}));
    functions = (listed.Functions ?? []).filter((f) => f.FunctionName?.startsWith(`${stackName}-`));
  }, DEPLOY_TIMEOUT_MS);

  afterAll(async () => {
    for (const client of [dynamodb, sqs, lambda, events]) client?.destroy();
    await emulator?.stop();
  });

  it('outputs the table name and the queue URL', () => {
    expect(outputs.TableName).toMatch(new RegExp(`^${stackName}-`));
    expect(outputs.QueueUrl).toMatch(new RegExp(`/${stackName}-`));
  });

  it('creates the table with the keys and key-only indexes of tableSchema, on demand and deletion-protected', async () => {
    const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: outputs.TableName }));
    expect(Table?.KeySchema).toEqual([
      { AttributeName: tableSchema.partitionKey.name, KeyType: 'HASH' },
      { AttributeName: tableSchema.sortKey.name, KeyType: 'RANGE' },
    ]);
    const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((i) => ({
      name: i.IndexName,
      keys: i.KeySchema,
      projection: i.Projection?.ProjectionType,
    }));
    expect(indexes.sort((a, b) => String(a.name).localeCompare(String(b.name)))).toEqual(
      tableSchema.indexes
        .map((i) => ({
          name: i.name,
          keys: [
            { AttributeName: i.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: i.sortKey.name, KeyType: 'RANGE' },
          ],
          projection: i.projection,
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.DeletionProtectionEnabled).toBe(true);
  });

  it('turns on TTL and point-in-time recovery (not on moto: its CloudFormation ignores both properties)', async (ctx) => {
    if (moto) ctx.skip();
    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: outputs.TableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: tableSchema.timeToLiveAttribute,
    });
    const backups = await dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: outputs.TableName }));
    expect(backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus).toBe(
      'ENABLED',
    );
  });

  it('creates the step queue, encrypted, hiding messages for the schema timeout and redriving to the DLQ', async () => {
    const { Attributes: step } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: outputs.QueueUrl, AttributeNames: ['All'] }),
    );
    expect(step).toMatchObject({
      VisibilityTimeout: String(stepQueueSchema.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(stepQueueSchema.retentionSeconds),
      SqsManagedSseEnabled: 'true',
    });
    const redrive = JSON.parse(step?.['RedrivePolicy'] ?? '{}') as {
      deadLetterTargetArn: string;
      maxReceiveCount: number;
    };
    expect(redrive.maxReceiveCount).toBe(stepQueueSchema.maxReceiveCount);
    const dlqName = redrive.deadLetterTargetArn.split(':').at(-1) ?? '';
    expect(dlqName).toMatch(new RegExp(`^${stackName}-`));
    const dlqUrl = outputs.QueueUrl.replace(/[^/]+$/, dlqName);
    const { Attributes: dlq } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['All'] }),
    );
    expect(dlq).toMatchObject({
      QueueArn: redrive.deadLetterTargetArn,
      MessageRetentionPeriod: String(stepQueueSchema.deadLetterRetentionSeconds),
      SqsManagedSseEnabled: 'true',
    });
  });

  it('creates the three functions on Node.js 22 with the table and queue in their environment', () => {
    expect(functions).toHaveLength(3);
    for (const fn of functions) {
      expect(fn).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'index.handler' });
      expect(fn.Environment?.Variables).toMatchObject({ TABLE_NAME: outputs.TableName, QUEUE_URL: outputs.QueueUrl });
    }
  });

  it('feeds the worker from the step queue, reporting failed batch items, with a concurrency cap', async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: outputs.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const { EventSourceMappings } = await lambda.send(
      new ListEventSourceMappingsCommand({ EventSourceArn: Attributes?.['QueueArn'] }),
    );
    expect(EventSourceMappings).toHaveLength(1);
    const mapping = EventSourceMappings?.[0];
    expect(mapping).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 10 },
    });
    expect(functions.map((f) => f.FunctionArn)).toContain(mapping?.FunctionArn);
  });

  it('runs the sweeper on a one-minute schedule rule', async () => {
    const { Rules } = await events.send(new ListRulesCommand({ NamePrefix: `${stackName}-` }));
    expect(Rules).toHaveLength(1);
    expect(Rules?.[0]).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    const { Targets } = await events.send(new ListTargetsByRuleCommand({ Rule: Rules?.[0]?.Name }));
    expect(Targets).toHaveLength(1);
    const sweeper = functions.find((f) => f.FunctionArn === Targets?.[0]?.Arn);
    expect(sweeper?.Description).toBe('Re-enqueues stalled executions');
  });
});
