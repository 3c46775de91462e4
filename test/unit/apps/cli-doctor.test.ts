import { describe, expect, it } from 'vitest';
import type { DoctorProbes, ResolvedCredentials } from '../../../apps/cli/doctor-checks.js';
import { maskKeyId, nodeCheck, regionCheck } from '../../../apps/cli/doctor-checks.js';
import { runCli } from '../../../apps/cli/main.js';
import { parseDescribeStacks } from '../../../apps/cli/stack-api-url.js';
import { recordingFetch, type Sent } from './fake-api.js';

const SECRET = 'SECRETdoNotPrint0000000000000000000000Ab';
const SESSION = 'SESSIONdoNotPrintZZZ';
const CREDS: ResolvedCredentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAWXYZ',
  secretAccessKey: SECRET,
  sessionToken: SESSION,
  $source: { CREDENTIALS_ENV_VARS: 'g' },
};

type Answer = { status: number; body?: string } | Error;

async function doctor(
  argv: string[],
  o: { env?: Record<string, string>; probes?: Partial<DoctorProbes>; respond?: (req: Sent) => Answer } = {},
) {
  let out = '';
  let err = '';
  const { sent, fetchImpl } = recordingFetch((req) => {
    const answer = (o.respond ?? (() => ({ status: 200, body: '{"items":[]}' })))(req);
    return answer instanceof Error ? answer : new Response(answer.body ?? null, { status: answer.status });
  });
  const code = await runCli(['doctor', ...argv], {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env: o.env ?? { AWS_REGION: 'eu-west-1' },
    fetchImpl,
    doctor: {
      nodeVersion: '22.11.0',
      emulatorPlan: () => ({ kind: 'path', command: '/usr/bin/moto_server' }),
      credentials: async () => CREDS,
      timeoutMs: 1000,
      ...o.probes,
    },
  });
  const json = argv.includes('--json')
    ? (JSON.parse(out) as { ok: boolean; checks: { name: string; status: string; detail: string; fix?: string }[] })
    : undefined;
  const check = (name: string) => json?.checks.find((c) => c.name === name);
  return { code, out, err, sent, json, check };
}

function refused(): Error {
  return new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
}

const DESCRIBED = (outputs: string) =>
  '<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult>' +
  '<Stacks><member><StackId>arn:aws:cloudformation:eu-west-1:123456789012:stack/app/1</StackId>' +
  '<StackName>app</StackName><Parameters/><StackStatus>UPDATE_COMPLETE</StackStatus><NotificationARNs/>' +
  `${outputs}<Tags/></member></Stacks></DescribeStacksResult></DescribeStacksResponse>`;
const API_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/';
const WITH_API = DESCRIBED(
  '<Outputs><member><OutputKey>TableName</OutputKey><OutputValue>t</OutputValue></member>' +
    `<member><Description>Base URL</Description><OutputKey>ApiUrl</OutputKey><OutputValue>${API_URL}</OutputValue></member></Outputs>`,
);
const NO_STACK =
  '<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code>' +
  '<Message>Stack with id gone does not exist</Message></Error></ErrorResponse>';

describe('longrunning doctor: the machine', () => {
  it('fails Node before 20.9, warns on 20 and 21 about SDK releases after January 2027, and passes 22', () => {
    expect(nodeCheck('18.19.0')).toMatchObject({ status: 'fail', fix: 'install Node 20.9 or newer' });
    expect(nodeCheck('20.8.1').status).toBe('fail');
    expect(nodeCheck('20.9.0')).toMatchObject({ status: 'warn', fix: 'upgrade to Node 22 or newer' });
    expect(nodeCheck('21.7.3').detail).toContain('after January 2027 need Node 22');
    expect(nodeCheck('v22.0.0')).toEqual({ name: 'node', status: 'ok', detail: 'Node 22.0.0' });
  });

  it('exits 1 when a check fails and 0 when only warnings', async () => {
    const old = await doctor([], { probes: { nodeVersion: '18.0.0' } });
    expect(old.code).toBe(1);
    expect(old.out).toMatch(/^fail {2}node +Node 18\.0\.0: too old\n {6}fix: install Node 20\.9 or newer\n/);
    expect(old.out).toContain('1 check failed');
    const warned = await doctor([], { probes: { nodeVersion: '20.11.0' } });
    expect(warned.code).toBe(0);
    expect(warned.out).toContain('no check failed (1 warning)');
  });

  it('probes an AWS_ENDPOINT_URL and fails with the fix when nothing answers there', async () => {
    const plan = { kind: 'endpoint', endpoint: 'http://localhost:4566' } as const;
    const up = await doctor(['--json'], { probes: { emulatorPlan: () => plan } });
    expect(up.check('emulator')).toMatchObject({ status: 'ok', detail: expect.stringContaining('answers') });
    expect(up.sent.map((s) => s.url)).toEqual(['http://localhost:4566/']);
    const down = await doctor(['--json'], { probes: { emulatorPlan: () => plan }, respond: refused });
    expect(down.code).toBe(1);
    expect(down.check('emulator')).toEqual({
      name: 'emulator',
      status: 'fail',
      detail: 'nothing answers at http://localhost:4566 (AWS_ENDPOINT_URL): connection refused (ECONNREFUSED)',
      fix: 'start LocalStack or unset AWS_ENDPOINT_URL',
    });
  });

  it('names the emulator a local run would start, set up, or what to install when there is none', async () => {
    const venv = await doctor(['--json'], {
      probes: { emulatorPlan: () => ({ kind: 'venv', command: '/p/.cache/moto/bin/moto_server', venvDir: '/p' }) },
    });
    expect(venv.check('emulator')).toMatchObject({ status: 'ok', detail: expect.stringContaining('/p/.cache/moto') });
    const create = await doctor(['--json'], {
      probes: {
        emulatorPlan: () => ({
          kind: 'create',
          python: '/usr/bin/python3',
          pythonVersion: '3.11',
          venvDir: '/p',
          command: 'c',
          requirement: 'r',
        }),
      },
    });
    expect(create.check('emulator')?.detail).toBe(
      'will be set up on first run in .cache/moto with Python 3.11 at /usr/bin/python3 (about 30 s, needs network to PyPI)',
    );
    expect(create.code).toBe(0);
    const missing = await doctor(['--json'], {
      probes: { emulatorPlan: () => ({ kind: 'missing', message: 'install Python 3' }) },
    });
    expect(missing.code).toBe(1);
    expect(missing.check('emulator')).toMatchObject({
      status: 'fail',
      detail: 'no AWS emulator, and no Python 3.10 or newer to set one up',
      fix: 'install Python 3',
    });
    expect(missing.json?.ok).toBe(false);
  });

  it('takes the region from --region, then AWS_REGION, and warns about AWS_DEFAULT_REGION alone or none', () => {
    expect(regionCheck('us-west-2', { AWS_REGION: 'eu-west-1' }).detail).toBe('us-west-2 (from --region)');
    expect(regionCheck(undefined, { AWS_REGION: 'eu-west-1' })).toMatchObject({ status: 'ok' });
    expect(regionCheck(undefined, { AWS_DEFAULT_REGION: 'ap-south-1' })).toMatchObject({
      status: 'warn',
      fix: 'export AWS_REGION=ap-south-1',
    });
    expect(regionCheck(undefined, {})).toMatchObject({
      status: 'warn',
      detail: 'no region set: local runs use us-east-1; deployed commands need one',
    });
  });

  it('says where the credentials came from with the key id masked, and warns when there are none', async () => {
    expect(maskKeyId('AKIAIOSFODNN7EXAWXYZ')).toBe('AKIA…WXYZ');
    const env = await doctor(['--json']);
    expect(env.check('credentials')?.detail).toBe(
      'from environment variables (AWS_ACCESS_KEY_ID): access key AKIA…WXYZ, temporary',
    );
    const profile = await doctor(['--json'], {
      env: { AWS_PROFILE: 'dev' },
      probes: {
        credentials: async () => ({
          accessKeyId: 'ASIAXXXXXXXXXXXX1234',
          secretAccessKey: SECRET,
          $source: { CREDENTIALS_PROFILE_SSO: 'r' },
        }),
      },
    });
    expect(profile.check('credentials')?.detail).toBe('from SSO (profile dev): access key ASIA…1234');
    const none = await doctor(['--json'], {
      probes: { credentials: () => Promise.reject(new Error('Could not load credentials from any providers')) },
    });
    expect(none.code).toBe(0);
    expect(none.check('credentials')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('local runs use dummy keys; deployed commands need credentials'),
      fix: expect.stringContaining('aws sso login'),
    });
  });

  it('prints { ok, checks } with --json, a fix only on what warned or failed', async () => {
    const { json, code } = await doctor(['--json'], { probes: { nodeVersion: '20.10.0' } });
    expect(code).toBe(0);
    expect(json?.ok).toBe(true);
    expect(json?.checks.map((c) => [c.name, c.status])).toEqual([
      ['node', 'warn'],
      ['emulator', 'ok'],
      ['region', 'ok'],
      ['credentials', 'ok'],
    ]);
    for (const c of json?.checks ?? []) expect('fix' in c).toBe(c.status !== 'ok');
  });
});

describe('longrunning doctor --url', () => {
  it('signs GET /workflows for a deployed API and reports that you are authorised', async () => {
    const { check, sent, code } = await doctor(['--url', API_URL, '--json']);
    expect(code).toBe(0);
    expect(check('api')?.detail).toContain('API answers and you are authorised');
    expect(sent[0]?.url).toBe(`${API_URL}workflows`);
    expect(sent[0]?.headers['authorization']).toContain('/eu-west-1/execute-api/aws4_request');
  });

  it("signs for the execute-api host's region over AWS_REGION, and for --region over both", async () => {
    const env = { AWS_REGION: 'us-east-1' };
    const host = await doctor(['--url', API_URL], { env });
    expect(host.sent[0]?.headers['authorization']).toContain('/eu-west-1/execute-api/');
    const flag = await doctor(['--url', API_URL, '--region', 'eu-central-1'], { env });
    expect(flag.sent[0]?.headers['authorization']).toContain('/eu-central-1/execute-api/');
    const other = await doctor(['--url', 'https://api.example.com/'], { env });
    expect(other.sent[0]?.headers['authorization']).toContain('/us-east-1/execute-api/');
  });

  it('leaves a local API unsigned', async () => {
    const { check, sent } = await doctor(['--url', 'http://127.0.0.1:3000', '--json']);
    expect(check('api')).toMatchObject({ status: 'ok', detail: expect.stringContaining('unsigned') });
    expect(sent[0]?.headers['authorization']).toBeUndefined();
  });

  it.each([
    [
      403,
      'the API refused the signed request (HTTP 403)',
      'execute-api:Invoke on arn:aws:execute-api:eu-west-1:<account>:abc123/*',
    ],
    [401, 'the API refused the signed request (HTTP 401)', 'execute-api:Invoke'],
    [404, 'answered HTTP 404', 'the stack output ApiUrl'],
    [502, 'answered HTTP 502', 'logs'],
  ])('fails on HTTP %i, naming it and the fix', async (status, detail, fix) => {
    const { check, code } = await doctor(['--url', API_URL, '--json'], { respond: () => ({ status }) });
    expect(code).toBe(1);
    expect(check('api')?.detail).toContain(detail);
    expect(check('api')?.fix).toContain(fix);
  });

  it.each([
    ['https://abc123.execute-api.cn-north-1.amazonaws.com.cn/', 'arn:aws-cn:execute-api:cn-north-1:<account>:abc123/*'],
    [
      'https://abc123.execute-api.us-gov-west-1.amazonaws.com/',
      'arn:aws-us-gov:execute-api:us-gov-west-1:<account>:abc123/*',
    ],
  ])('signs for the region of %s and names the ARN of its partition when refused', async (url, arn) => {
    const region = /execute-api\.([a-z0-9-]+)\./.exec(url)?.[1] ?? '';
    const { check, sent } = await doctor(['--url', url, '--json'], {
      env: { AWS_REGION: 'us-east-1' },
      respond: () => ({ status: 403 }),
    });
    expect(sent[0]?.headers['authorization']).toContain(`/${region}/execute-api/`);
    expect(check('api')?.fix).toContain(`execute-api:Invoke on ${arn}`);
  });

  it('fails with the reason when the API does not answer, and when it cannot sign', async () => {
    const down = await doctor(['--url', API_URL, '--json'], { respond: refused });
    expect(down.check('api')?.detail).toBe(`no answer from ${API_URL}workflows: connection refused (ECONNREFUSED)`);
    const noCreds = await doctor(['--url', API_URL, '--json'], {
      probes: { credentials: () => Promise.reject(new Error('none')) },
    });
    expect(noCreds.check('api')).toMatchObject({ status: 'fail', detail: 'no AWS credentials to sign with' });
    expect(noCreds.sent).toEqual([]);
    const noRegion = await doctor(['--url', 'https://api.example.com/', '--json'], { env: {} });
    expect(noRegion.check('api')).toMatchObject({ status: 'fail', fix: 'pass --region or export AWS_REGION' });
    // AWS_DEFAULT_REGION alone does not do for the other commands, so it does not here either.
    const defaultOnly = await doctor(['--url', 'https://api.example.com/', '--json'], {
      env: { AWS_DEFAULT_REGION: 'eu-west-1' },
    });
    expect(defaultOnly.check('api')).toMatchObject({ status: 'fail', fix: 'pass --region or export AWS_REGION' });
    expect(defaultOnly.sent).toEqual([]);
  });

  it('rejects a bad --url, --url with --stack, a bad stack name and arguments with a usage error', async () => {
    for (const argv of [
      ['--url', 'not a url'],
      ['--url', 'ftp://x.example.com/'],
      ['--url', API_URL, '--stack', 'app'],
      ['--stack', 'no_underscores!'],
      ['--region', 'EU West'],
      ['extra'],
    ]) {
      const { code, err, sent } = await doctor(argv);
      expect(code).toBe(2);
      expect(err).toMatch(/^usage error: /);
      expect(sent).toEqual([]);
    }
  });
});

describe('longrunning doctor --stack', () => {
  it("reads the stack's ApiUrl with a signed DescribeStacks, then checks that API", async () => {
    const { check, sent, code } = await doctor(['--stack', 'app', '--json'], {
      respond: (req) =>
        req.url.startsWith('https://cloudformation.') ? { status: 200, body: WITH_API } : { status: 200, body: '{}' },
    });
    expect(code).toBe(0);
    expect(sent[0]).toMatchObject({
      method: 'POST',
      url: 'https://cloudformation.eu-west-1.amazonaws.com/',
      body: 'Action=DescribeStacks&StackName=app&Version=2010-05-15',
    });
    expect(sent[0]?.headers['authorization']).toContain('/eu-west-1/cloudformation/aws4_request');
    expect(check('stack')?.detail).toBe(`app (UPDATE_COMPLETE): ApiUrl ${API_URL}`);
    expect(sent[1]?.url).toBe(`${API_URL}workflows`);
    expect(check('api')?.status).toBe('ok');
  });

  it('asks AWS_ENDPOINT_URL_CLOUDFORMATION, else AWS_ENDPOINT_URL, when set', async () => {
    const env = { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' };
    const plan = { emulatorPlan: () => ({ kind: 'path', command: 'm' }) as const };
    const general = await doctor(['--stack', 'app'], {
      env,
      probes: plan,
      respond: () => ({ status: 400, body: NO_STACK }),
    });
    expect(general.sent[0]?.url).toBe('http://127.0.0.1:5000/');
    const specific = await doctor(['--stack', 'app'], {
      env: { ...env, AWS_ENDPOINT_URL_CLOUDFORMATION: 'http://127.0.0.1:5001' },
      probes: plan,
      respond: () => ({ status: 400, body: NO_STACK }),
    });
    expect(specific.sent[0]?.url).toBe('http://127.0.0.1:5001/');
  });

  it('fails naming a missing stack, and a stack without the API', async () => {
    const gone = await doctor(['--stack', 'gone', '--json'], { respond: () => ({ status: 400, body: NO_STACK }) });
    expect(gone.code).toBe(1);
    expect(gone.check('stack')?.detail).toBe('no stack gone in eu-west-1');
    expect(gone.check('api')).toBeUndefined();
    const noRegion = await doctor(['--stack', 'app', '--json'], { env: {} });
    expect(noRegion.check('stack')).toMatchObject({ status: 'fail', fix: 'pass --region or export AWS_REGION' });
    expect(noRegion.sent).toEqual([]);
    const noApi = await doctor(['--stack', 'app', '--json'], { respond: () => ({ status: 200, body: DESCRIBED('') }) });
    expect(noApi.check('stack')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('deployed without the API'),
    });
  });

  it("names CloudFormation's refusal and the permission it takes", async () => {
    const body =
      '<ErrorResponse><Error><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>';
    const { check } = await doctor(['--stack', 'app', '--json'], { respond: () => ({ status: 403, body }) });
    expect(check('stack')).toEqual({
      name: 'stack',
      status: 'fail',
      detail: 'CloudFormation refused DescribeStacks of app: AccessDenied: not allowed',
      fix: 'the caller needs cloudformation:DescribeStacks on the stack',
    });
  });

  it('reads the ApiUrl among other outputs, unescaping XML', () => {
    expect(parseDescribeStacks(200, WITH_API)).toEqual({ kind: 'found', apiUrl: API_URL, status: 'UPDATE_COMPLETE' });
    const escaped = DESCRIBED(
      '<Outputs><member><OutputKey>ApiUrl</OutputKey><OutputValue>https://x/?a=1&amp;b=2</OutputValue></member></Outputs>',
    );
    expect(parseDescribeStacks(200, escaped)).toMatchObject({ apiUrl: 'https://x/?a=1&b=2' });
    expect(parseDescribeStacks(400, NO_STACK)).toEqual({ kind: 'missing' });
  });
});

describe('longrunning doctor and secrets', () => {
  it('never prints the secret access key or the session token', async () => {
    const runs = [
      await doctor([]),
      await doctor(['--json']),
      await doctor(['--url', API_URL]),
      await doctor(['--url', API_URL, '--json'], { respond: () => ({ status: 403 }) }),
      await doctor(['--stack', 'app', '--json'], {
        respond: (req) => (req.method === 'POST' ? { status: 200, body: WITH_API } : { status: 200 }),
      }),
      await doctor(['--stack', 'gone'], { respond: () => ({ status: 400, body: NO_STACK }) }),
    ];
    for (const run of runs) {
      expect(run.out).toContain('AKIA…WXYZ');
      for (const text of [run.out, run.err]) {
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(SESSION);
        expect(text).not.toContain(CREDS.accessKeyId);
      }
    }
    // The requests carry the token (it is how they are signed); the output never does.
    expect(runs[2]?.sent[0]?.headers['x-amz-security-token']).toBe(SESSION);
  });
});
