import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../apps/cli/main.js';
import { sigV4Signer } from '../../../apps/shared/sigv4.js';
import { startEmulator, type Emulator } from '../../support/emulator.js';

let emulator: Emulator;
let api: Server;
let apiUrl: string;
const stack = `doctor-${Date.now()}`;

/** CreateStack through CloudFormation's Query API, signed as `doctor` signs DescribeStacks. */
async function createStack(name: string, template: unknown): Promise<void> {
  const url = new URL(emulator.endpoint);
  const body = new URLSearchParams({
    Action: 'CreateStack',
    StackName: name,
    Version: '2010-05-15',
    TemplateBody: JSON.stringify(template),
  }).toString();
  const sign = sigV4Signer({ region: 'us-east-1', service: 'cloudformation' });
  const { host: _host, ...headers } = await sign({
    method: 'POST',
    url,
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  const res = await fetch(url, { method: 'POST', headers, body });
  if (!res.ok) throw new Error(`CreateStack ${name}: ${res.status} ${await res.text()}`);
}

async function doctor(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['doctor', ...argv], {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env: { ...process.env, AWS_ENDPOINT_URL_CLOUDFORMATION: emulator.endpoint },
  });
  return { code, out, err };
}

beforeAll(async () => {
  emulator = await startEmulator();
  api = createServer((req, res) => {
    const ok = req.method === 'GET' && req.url === '/workflows';
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' }).end(ok ? '{"items":[]}' : '{}');
  });
  await new Promise<void>((done) => api.listen(0, '127.0.0.1', done));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/`;
  await createStack(stack, {
    Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
    Outputs: { TableName: { Value: 'table' }, ApiUrl: { Value: apiUrl } },
  });
});

afterAll(async () => {
  await new Promise((done) => api?.close(done));
  await emulator?.stop();
});

describe('longrunning doctor --stack against the emulator', () => {
  it("finds the stack's ApiUrl in CloudFormation and reports that the API answers", async () => {
    const { code, out, err } = await doctor(['--stack', stack, '--region', 'us-east-1', '--json']);
    const report = JSON.parse(out) as { ok: boolean; checks: { name: string; status: string; detail: string }[] };
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(err).toBe('');
    expect(byName['stack']).toMatchObject({ status: 'ok', detail: `${stack} (CREATE_COMPLETE): ApiUrl ${apiUrl}` });
    expect(byName['api']).toMatchObject({
      status: 'ok',
      detail: `API answers (GET ${apiUrl}workflows: 200, unsigned)`,
    });
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  });

  it('fails naming a stack that does not exist', async () => {
    const { code, out } = await doctor(['--stack', `${stack}-missing`, '--region', 'us-east-1']);
    expect(code).toBe(1);
    expect(out).toMatch(new RegExp(`^fail {2}stack +no stack ${stack}-missing in us-east-1$`, 'm'));
    expect(out).not.toMatch(/^\w+ +api /m);
  });
});
