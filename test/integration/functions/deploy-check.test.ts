import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';
import { describe, expect, it } from 'vitest';
import { DEPLOY_CHECK_ACTIONS } from '../../../infra/handler-permissions.js';
import { emulatorClientConfig } from '../../support/aws-resources.js';
import {
  makeDeployCheckHandler,
  BUNDLE_HASH_PROPERTY,
  type CustomResourceResponse,
} from '../../../functions/deploy-check/deploy-check-handler.js';
import { arithmeticWorkflow } from '../../../examples/workflows.js';
import {
  ControlPlane,
  defineWorkflow,
  DynamoDbExecutionStore,
  type ExecutionState,
  noopLogger,
  SqsStepQueue,
  WorkflowRegistry,
} from '../../../lib/index.js';
import { useAwsResources } from '../aws/aws-test-context.js';

// The deploy check over the table, as the custom resource's function reads it: the
// byState index and the heads it names, with no action beyond its read-only grant.

const aws = useAwsResources();

describe('the deploy check over DynamoDB', () => {
  it('fails for executions a renamed step would strand, and passes for the registry they were started with', async () => {
    const { documentClient, tableName, sqs, queueUrl } = aws();
    const store = new DynamoDbExecutionStore({ client: documentClient, tableName });
    const workflows = new WorkflowRegistry().register(arithmeticWorkflow);
    const control = new ControlPlane({ store, queue: new SqsStepQueue({ client: sqs, queueUrl }), workflows });
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1)
      ids.push((await control.start({ workflow: 'arithmetic', input: { value: i } })).head.id);
    await control.pause(ids[0]!);
    await control.cancel(ids[2]!); // finished: not checked

    const renamed = defineWorkflow({
      name: 'arithmetic',
      steps: arithmeticWorkflow.steps.map((s) => (s.name === 'double' ? { name: 'times-two', fn: s.fn } : s)),
    });
    // The check's own client, which records the IAM action of every request.
    const actions = new Set<string>();
    const raw = new DynamoDBClient(emulatorClientConfig(aws().endpoint));
    const record: InitializeMiddleware<object, MetadataBearer> = (next, context) => (args) => {
      actions.add(`dynamodb:${(context.commandName ?? '?').replace(/Command$/, '')}`);
      return next(args);
    };
    raw.middlewareStack.add(record, { step: 'initialize' });
    const checkStore = new DynamoDbExecutionStore({ client: DynamoDBDocumentClient.from(raw), tableName });
    const run = async (registry: WorkflowRegistry): Promise<CustomResourceResponse | undefined> => {
      let response: CustomResourceResponse | undefined;
      const handler = makeDeployCheckHandler({
        workflows: registry,
        list: (q) => checkStore.list({ ...q, state: q.state as ExecutionState }),
        bundleHash: 'b1',
        logger: noopLogger,
        send: async (_url, r) => void (response = r),
      });
      await handler({
        RequestType: 'Update',
        ResponseURL: 'https://cloudformation.example/r',
        StackId: 'stack',
        RequestId: 'req',
        LogicalResourceId: 'Check',
        PhysicalResourceId: 'check',
        ResourceProperties: { [BUNDLE_HASH_PROPERTY]: 'b1' },
      });
      return response;
    };

    const failed = await run(new WorkflowRegistry().register(renamed));
    expect(failed?.Status).toBe('FAILED');
    expect(failed?.Reason).toMatch(/checked 2 unfinished/);
    expect(failed?.Reason).toMatch(/arithmetic\s+double\s+2/);
    expect(failed?.Reason).toContain(ids[0]);
    expect(failed?.Reason).not.toContain(ids[2]);

    const passed = await run(workflows);
    expect(passed).toMatchObject({ Status: 'SUCCESS', Data: { Result: 'ok: 2 checked' } });
    expect(actions.size).toBeGreaterThan(0);
    for (const action of actions) expect(DEPLOY_CHECK_ACTIONS.table).toContain(action);
  });
});
