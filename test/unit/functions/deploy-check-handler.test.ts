import { describe, expect, it } from 'vitest';
import {
  ControlPlane,
  defineWorkflow,
  type ExecutionState,
  type Logger,
  WorkflowRegistry,
} from '../../../lib/index.js';
import { InMemoryExecutionStore, InMemoryStepQueue } from '../../../lib/testing/index.js';
import {
  BUNDLE_HASH_PROPERTY,
  MAX_REASON_CHARS,
  makeDeployCheckHandler,
  RESPONSE_RESERVE_MS,
  type CustomResourceEvent,
  type CustomResourceResponse,
} from '../../../functions/deploy-check/deploy-check-handler.js';

const pass = async (state: unknown): Promise<unknown> => state;
const workflow = (...steps: string[]) =>
  defineWorkflow({ name: 'research', steps: steps.map((name) => ({ name, fn: pass })) });

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A table holding `count` executions of research (plan, search, write), one of them paused. */
async function table(count: number, steps = ['plan', 'search', 'write']) {
  const store = new InMemoryExecutionStore();
  const control = new ControlPlane({
    store,
    queue: new InMemoryStepQueue(),
    workflows: new WorkflowRegistry().register(workflow(...steps)),
  });
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await control.start({ workflow: 'research', input: {} })).head.id);
  if (ids[0] !== undefined) await control.pause(ids[0]);
  return { store, ids };
}

function handlerOver(
  store: InMemoryExecutionStore,
  steps: string[],
  options: { failList?: boolean; hangList?: boolean; bundleHash?: string } = {},
) {
  const sent: CustomResourceResponse[] = [];
  let listed = 0;
  const handler = makeDeployCheckHandler({
    workflows: new WorkflowRegistry().register(workflow(...steps)),
    list: (q) => {
      listed += 1;
      if (options.failList) return Promise.reject(new Error('AccessDeniedException on Query'));
      if (options.hangList) return new Promise<never>(() => undefined);
      return store.list({ ...q, state: q.state as ExecutionState });
    },
    bundleHash: options.bundleHash ?? 'bundle-new',
    logger: quiet,
    send: async (url, response) => {
      expect(url).toBe('https://cloudformation.example/response');
      sent.push(response);
    },
  });
  return { handler, sent, listed: () => listed };
}

const event = (RequestType: CustomResourceEvent['RequestType'], hash = 'bundle-new'): CustomResourceEvent => ({
  RequestType,
  ResponseURL: 'https://cloudformation.example/response',
  StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/LongRunning/x',
  RequestId: 'req-1',
  LogicalResourceId: 'RuntimeDeployCheck',
  ...(RequestType === 'Create' ? {} : { PhysicalResourceId: 'deploy-check-RuntimeDeployCheck' }),
  ResourceProperties: { ServiceToken: 'arn', [BUNDLE_HASH_PROPERTY]: hash },
});

describe('the deploy check custom resource', () => {
  it('fails an update whose workflows rename a step, naming the stranded executions by workflow and step', async () => {
    const { store, ids } = await table(3);
    const { handler, sent } = handlerOver(store, ['plan', 'lookup', 'write']);
    await handler(event('Update'));
    expect(sent).toHaveLength(1);
    const [response] = sent;
    expect(response).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: 'deploy-check-RuntimeDeployCheck',
      RequestId: 'req-1',
      LogicalResourceId: 'RuntimeDeployCheck',
    });
    expect(response?.Reason).toMatch(/STRANDED: 3 execution\(s\)/);
    expect(response?.Reason).toMatch(/research\s+search\s+3/);
    for (const id of ids) expect(response?.Reason).toContain(id);
  });

  it('passes a create when nothing would be stranded, with the step lists hash in its data', async () => {
    const { store } = await table(2);
    const { handler, sent } = handlerOver(store, ['plan', 'search', 'write', 'review']);
    await handler(event('Create'));
    expect(sent[0]).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'deploy-check-RuntimeDeployCheck',
      Data: { Result: 'ok: 2 checked', StepListsHash: expect.stringMatching(/^[0-9a-f]{32}$/) },
    });
  });

  it('does not check a rollback (old bundle hash) nor a delete: both succeed without listing', async () => {
    const { store } = await table(1);
    const { handler, sent, listed } = handlerOver(store, ['other']);
    await handler(event('Update', 'bundle-old'));
    await handler(event('Delete'));
    expect(sent.map((r) => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(listed()).toBe(0);
  });

  it('fails when it cannot list, saying why', async () => {
    const { store } = await table(1);
    const { handler, sent } = handlerOver(store, ['plan', 'search', 'write'], { failList: true });
    await handler(event('Create'));
    expect(sent[0]?.Status).toBe('FAILED');
    expect(sent[0]?.Reason).toMatch(/deploy check could not run: AccessDeniedException on Query/);
  });

  it('answers FAILED before the invocation runs out when the listing does not finish', async () => {
    const { store } = await table(1);
    const { handler, sent } = handlerOver(store, ['plan', 'search', 'write'], { hangList: true });
    // The reserve already spent: the answer goes out at once rather than never.
    await handler(event('Create'), { getRemainingTimeInMillis: () => RESPONSE_RESERVE_MS });
    expect(sent[0]).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/ran out of time/) as unknown });
  });

  it('cuts a long report to fit the response CloudFormation accepts', async () => {
    const { store } = await table(
      25,
      Array.from({ length: 10 }, (_, i) => `step-${i}`),
    );
    const { handler, sent } = handlerOver(store, ['a-step-that-replaces-all-ten']);
    await handler(event('Update'));
    expect(sent[0]?.Status).toBe('FAILED');
    expect(sent[0]?.Reason).toMatch(/\(cut; the whole report is in the function's log\)$/);
    expect(sent[0]?.Reason?.length).toBeLessThan(MAX_REASON_CHARS + 100);
    expect(Buffer.byteLength(JSON.stringify(sent[0]))).toBeLessThan(4096);
  });
});
