import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { LongRunningWorkflows } from '../../infra/longrunning-workflows.js';
import type { LongRunningWorkflowsProps } from '../../infra/longrunning-workflows-props.js';
import { resolveProps } from '../../infra/resolve-props.js';
import { stepQueueSchema } from '../../lib/aws/schema/queue-schema.js';

/** Builds the construct with `props` in a fresh stack (it checks props before creating anything). */
const build = (props: LongRunningWorkflowsProps) => () =>
  new LongRunningWorkflows(new Stack(new App(), 'S'), 'Runtime', props);

describe('LongRunningWorkflows props', () => {
  it('rejects a queue visibility timeout shorter than six times the worker timeout', () => {
    expect(build({ workerTimeout: Duration.minutes(2), queueVisibilityTimeout: Duration.minutes(6) })).toThrow(
      'LongRunningWorkflows: queueVisibilityTimeout (360 s) must be at least 6 × workerTimeout (720 s)',
    );
  });

  it('accepts a visibility timeout of exactly six times the worker timeout', () => {
    const p = resolveProps({ workerTimeout: Duration.seconds(90), queueVisibilityTimeout: Duration.seconds(540) });
    expect(p.queueVisibilityTimeout.toSeconds()).toBe(540);
  });

  it('defaults the visibility timeout to the schema value, raised to six times a longer worker timeout', () => {
    expect(resolveProps({}).queueVisibilityTimeout.toSeconds()).toBe(stepQueueSchema.visibilityTimeoutSeconds);
    expect(resolveProps({ workerTimeout: Duration.minutes(15) }).queueVisibilityTimeout.toSeconds()).toBe(5400);
  });

  it.each([
    [{ workerTimeout: Duration.minutes(16) }, 'workerTimeout must be from 15 to 900 seconds, got 960'],
    [{ workerTimeout: Duration.seconds(7) }, 'workerTimeout must be from 15 to 900 seconds, got 7'],
    [{ apiTimeout: Duration.seconds(31) }, 'apiTimeout must be from 1 to 30 seconds, got 31'],
    [{ batchSize: 11 }, 'batchSize must be a whole number from 1 to 10, got 11'],
    [{ maxConcurrency: 1 }, 'maxConcurrency must be a whole number from 2 to 1000, got 1'],
    [{ maxReceiveCount: 0 }, 'maxReceiveCount must be a whole number from 1 to 1000, got 0'],
    [{ memorySize: 64 }, 'memorySize must be a whole number from 128 to 10240, got 64'],
    [{ queueVisibilityTimeout: Duration.hours(13) }, 'queueVisibilityTimeout must be at most 43200 seconds, got 46800'],
    [
      { runtime: { lease: Duration.seconds(0) } },
      'invalid runtime setting: LEASE_SECONDS must be a number of seconds from 1 to 3600, got "0"',
    ],
    [
      { runtime: { retryMaxDelay: Duration.minutes(20) } },
      'RETRY_MAX_DELAY_SECONDS must be a number of seconds from 0 to 900',
    ],
    [{ runtime: { maxRetries: 1.5 } }, 'MAX_RETRIES must be a whole number from 0 to 100, got "1.5"'],
    [
      { runtime: { throttleMaxDelay: Duration.minutes(2) } },
      'THROTTLE_MAX_DELAY_SECONDS must be a whole number from 1 to 90, got "120"',
    ],
    [{ environment: { TABLE_NAME: 'x' } }, 'environment cannot set TABLE_NAME: the construct manages it'],
    [{ environment: { AWS_REGION: 'x' } }, 'environment cannot set AWS_REGION: Lambda reserves it'],
    [
      { jwtAuthorizer: { issuer: 'http://issuer.example', audience: ['a'] } },
      'jwtAuthorizer.issuer must be an https URL',
    ],
    [
      { jwtAuthorizer: { issuer: 'https://issuer.example', audience: [] } },
      'jwtAuthorizer.audience must list at least one',
    ],
    [
      { workflowsModule: 'src/no-such-workflows.ts' },
      'no-such-workflows.ts does not exist (a relative path is taken from',
    ],
  ] satisfies [LongRunningWorkflowsProps, string][])(
    'rejects %o with a message naming the setting',
    (props, message) => {
      expect(build(props)).toThrow(message);
    },
  );

  it('reads the HTTP API, the alarms and the callback secret as absent only when emulatorCompat leaves them out', () => {
    const runtime = new LongRunningWorkflows(
      new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'S'),
      'Runtime',
      {
        emulatorCompat: true,
      },
    );
    expect(() => runtime.url).toThrow('emulatorCompat leaves out the HTTP API');
    expect(() => runtime.monitoring).toThrow('emulatorCompat leaves out alarms and dashboard');
    expect(() => runtime.callbackSecret).toThrow('emulatorCompat leaves out the callback secret');
    expect(runtime.functions.api).toBeDefined();
  });
});
