import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { SqsPoller } from '../../../lib/local/sqs-poller.js';

/** An endpoint that holds every request open until it is closed, like a long poll on an empty queue. */
async function holdingEndpoint() {
  const requests: IncomingMessage[] = [];
  const server = createServer((req) => {
    requests.push(req);
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url, requests, close };
}

const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);

afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('SqsPoller', () => {
  it('long-polls on more than ten loops at once without a listener-leak warning', async () => {
    const endpoint = await holdingEndpoint();
    process.on('warning', onWarning);
    const poller = new SqsPoller({
      client: new SQSClient({
        endpoint: endpoint.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      }),
      queueUrl: `${endpoint.url}/000000000000/q`,
      handler: () => Promise.resolve({ batchItemFailures: [] }),
      concurrency: 16,
    });
    poller.start();
    while (endpoint.requests.length < 16) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on a later tick
    await poller.stop();
    await endpoint.close();
    expect(endpoint.requests).toHaveLength(16);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
