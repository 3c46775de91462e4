import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { installFaults, installPhaseTracer } from '../../chaos/fault-middleware.js';
import type { SdkFaultKind } from '../../chaos/fault-plan.js';
import { DEFAULT_RATES, type FaultLayer } from '../../chaos/options.js';

/** A request handler standing in for the service: counts what reaches it and answers `body`. */
function fakeService(body: (request: { body?: unknown }) => string) {
  const seen: string[] = [];
  return {
    seen,
    requestHandler: {
      handle: async (request: { body?: unknown }) => {
        seen.push(String(request.body));
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from([Buffer.from(body(request))]),
          },
        };
      },
    },
  };
}

const config = { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, endpoint: 'http://x' };
const id = `exec_${'cd'.repeat(16)}`;

/** Rates that inject `kind` on every request it applies to. */
function always(kind: SdkFaultKind) {
  const zero = { ...DEFAULT_RATES, lost: 0, throttle: 0, slow: 0, duplicate: 0 };
  return { ...zero, [kind]: 1 };
}

function dynamo(kind: SdkFaultKind, mode: FaultLayer, maxAttempts = 3) {
  const service = fakeService(() => '{}');
  const client = new DynamoDBClient({ ...config, maxAttempts, requestHandler: service.requestHandler });
  const reports: string[] = [];
  const switchboard = { active: true };
  installFaults(client, {
    service: 'dynamodb',
    random: () => 0.5,
    rates: always(kind),
    mode,
    slowMs: 1,
    switch: switchboard,
    report: (f) => reports.push(`${f.kind}:${f.op}:${f.layer}:${f.id ?? '-'}`),
  });
  const get = () => client.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: `EXEC#${id}` } } }));
  return { service, reports, get, switchboard };
}

describe('installFaults', () => {
  it('loses a response outside the SDK retry: the request reached the service, the caller sees ECONNRESET', async () => {
    const { service, reports, get } = dynamo('lost', 'outer');
    await expect(get()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(service.seen).toHaveLength(1);
    expect(reports).toEqual([`lost:GetItem:outer:${id}`]);
  });

  it('loses responses inside the SDK retry: every attempt reaches the service', async () => {
    const { service, get } = dynamo('lost', 'inner', 3);
    await expect(get()).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(service.seen).toHaveLength(3);
  });

  it('throttles before sending, so nothing reaches the service', async () => {
    const { service, get } = dynamo('throttle', 'outer');
    await expect(get()).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(service.seen).toHaveLength(0);
  });

  it('lets every request through once injection is switched off', async () => {
    const { service, get, switchboard } = dynamo('lost', 'both');
    switchboard.active = false;
    await expect(get()).resolves.toBeDefined();
    expect(service.seen).toHaveLength(1);
  });

  it('sends a duplicated SQS message twice and returns one answer', async () => {
    const service = fakeService((request) => {
      const { MessageBody } = JSON.parse(String(request.body)) as { MessageBody: string };
      const md5 = createHash('md5').update(MessageBody).digest('hex');
      return JSON.stringify({ MessageId: 'm1', MD5OfMessageBody: md5 });
    });
    const sqs = new SQSClient({ ...config, requestHandler: service.requestHandler });
    installFaults(sqs, {
      service: 'sqs',
      random: () => 0.5,
      rates: always('duplicate'),
      mode: 'both',
      slowMs: 1,
      switch: { active: true },
      report: () => undefined,
    });
    const phases: string[] = [];
    installPhaseTracer(sqs, {
      phase: (op, traced, ph) => phases.push(`${op}:${traced}:${ph}`),
      crashPoint: (point) => phases.push(point),
    });
    const body = JSON.stringify({ v: 1, executionId: id, step: 1, token: 1 });
    await expect(
      sqs.send(new SendMessageCommand({ QueueUrl: 'http://x/q', MessageBody: body })),
    ).resolves.toMatchObject({ MessageId: 'm1' });
    expect(service.seen).toHaveLength(2);
    expect(phases).toEqual(['before-send', `send:${id}:start`, `send:${id}:end`]);
  });
});
