import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeWait, humanDuration, type View } from '../../../apps/cli/format.js';
import { runCli, UPLOAD_INPUT_OVER_BYTES, USAGE } from '../../../apps/cli/main.js';
import { jsonAnswer, recordingFetch, type Sent } from './fake-api.js';

function fakeApi(respond: (req: Sent) => { status: number; body?: unknown }) {
  return recordingFetch((req) => {
    const { status, body } = respond(req);
    return jsonAnswer(status, body);
  });
}

async function cli(
  argv: string[],
  respond: (req: Sent) => { status: number; body?: unknown } = () => ({ status: 200, body: {} }),
  env: Record<string, string> = {},
) {
  let out = '';
  let err = '';
  const api = fakeApi(respond);
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env,
    fetchImpl: api.fetchImpl,
    watchIntervalMs: 1,
  });
  return { code, out, err, sent: api.sent };
}

const view = {
  id: 'exec_1',
  name: 'n',
  workflow: 'arithmetic',
  state: 'running',
  progress: 0,
  currentStep: 0,
  totalSteps: 3,
  stepNames: ['a', 'b', 'c'],
  startTime: 't',
  lastUpdate: 't',
};

describe('longrunning CLI', () => {
  it('knows every command its usage names', async () => {
    const named = [...USAGE.matchAll(/^ {2}([a-z][a-z-]*)(?: |$)|\| ([a-z][a-z-]*) /gm)].map((m) => m[1] ?? m[2]);
    expect(named).toContain('limits');
    expect(named.length).toBeGreaterThan(20);
    for (const command of named) {
      let err = '';
      // Three arguments are too many for every command: each refuses them as its own usage error.
      await runCli([command!, 'a', 'b', 'c'], {
        stdout: { write: () => true },
        stderr: { write: (t: string) => (err += t) },
        env: {},
        fetchImpl: () => Promise.reject(new Error('no request expected')),
      });
      expect(err, command).not.toContain('unknown command');
    }
  });

  it.each([
    [[], /usage: longrunning/],
    [['frob'], /unknown command "frob"/],
    [['start'], /start takes exactly one workflow name/],
    [['get'], /get takes exactly one execution id/],
    [['pause', 'a', 'b'], /pause takes exactly one execution id/],
    [['ls', 'extra'], /ls takes no arguments/],
    [['ls', '--bogus'], /Unknown option '--bogus'/],
    [['ls', '--limit', 'ten'], /--limit must be a whole number/],
    [['start', 'arithmetic', '--input', '{oops'], /--input is not valid JSON/],
    [['start', 'arithmetic', '--input', '@/nonexistent/file.json'], /cannot read --input file/],
    [['get', 'x', '--url', 'not a url'], /--url must be an absolute URL/],
    [['send-event', 'exec_1'], /send-event takes an execution id and an event type/],
    [['start', 'arithmetic', '--max-step-runs', '0'], /--max-step-runs must be a whole number >= 1/],
    [['send-event', 'exec_1', 'approval', '--payload', '{oops'], /--payload is not valid JSON/],
    // An id that would name another route once in the path (".", "..", ""), before any request.
    [['get', '.'], /"\." is not an execution id/],
    [['cancel', ''], /"" is not an execution id/],
    [['delete', '..'], /"\.\." is not an execution id/],
    [['watch', 'exec/1'], /"exec\/1" is not an execution id/],
    [['send-event', '.', 'approval'], /"\." is not an execution id/],
    [['fork', '..', '--from', '1'], /"\.\." is not an execution id/],
    [['job', '.'], /"\." is not a job id/],
    [['ls', '--limit', '0'], /--limit must be a whole number from 1 to 100/],
    [['checkpoints', 'exec_1', '--limit', '500'], /--limit must be a whole number from 1 to 100/],
    [['ls', '--url', 'ftp://example.com'], /--url must be http or https/],
  ])('rejects %j with a clear message and exit code 2', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.out + r.err).toMatch(message);
    if (argv.length > 0) expect(r.sent).toHaveLength(0);
  });

  it('takes an empty LONGRUNNING_URL as unset, as doctor does', async () => {
    const r = await cli(['ls'], () => ({ status: 200, body: { items: [] } }), { LONGRUNNING_URL: '' });
    expect(r.code).toBe(0);
    expect(r.sent[0]?.url).toBe('http://127.0.0.1:3000/executions');
  });

  it('starts with the body the API expects and prints raw JSON with --json', async () => {
    const r = await cli(
      [
        'start',
        'arithmetic',
        '--input',
        '{"value":2}',
        '--name',
        'x',
        '--idempotency-key',
        'k1',
        '--steps',
        'a, b',
        '--json',
      ],
      () => ({ status: 201, body: view }),
    );
    expect(r.code).toBe(0);
    expect(r.sent[0]).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:3000/executions' });
    expect(JSON.parse(r.sent[0]!.body!)).toEqual({
      workflow: 'arithmetic',
      input: { value: 2 },
      name: 'x',
      idempotencyKey: 'k1',
      steps: ['a', 'b'],
    });
    expect(JSON.parse(r.out)).toEqual(view);
  });

  it('passes list filters as query parameters and prints a table', async () => {
    const argv = ['ls', '--state', 'running', '--workflow', 'arithmetic', '--name', 'Nightly run', '--limit', '5'];
    const r = await cli(argv, () => ({
      status: 200,
      body: { items: [view], nextToken: 'abc' },
    }));
    expect(r.code).toBe(0);
    const url = new URL(r.sent[0]!.url);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      state: 'running',
      workflow: 'arithmetic',
      name: 'Nightly run',
      limit: '5',
    });
    expect(r.out).toMatch(/ID\s+STATE\s+PROGRESS/);
    expect(r.out).toContain('more: --next-token abc');
  });

  it('shows an API error as its code and message with exit code 1', async () => {
    const r = await cli(['pause', 'exec_1'], () => ({
      status: 409,
      body: { error: { code: 'ILLEGAL_TRANSITION', message: 'cannot pause execution exec_1: it is completed' } },
    }));
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: ILLEGAL_TRANSITION: cannot pause execution exec_1: it is completed\n');
  });

  it('never lets an id change the route: one that could is refused before any request', async () => {
    const refused = await cli(['get', '../workflows']);
    expect(refused.code).toBe(2);
    expect(refused.sent).toHaveLength(0);
    const r = await cli(['get', 'run-2.b_1'], () => ({ status: 200, body: view }));
    expect(r.sent[0]!.url).toBe('http://127.0.0.1:3000/executions/run-2.b_1');
  });

  it('watches until the end and exits 0 only when completed', async () => {
    let n = 0;
    const states = ['running', 'running', 'completed'];
    const r = await cli(['watch', 'exec_1'], () => ({
      status: 200,
      body: { ...view, state: states[Math.min(n++, 2)], currentStep: Math.min(n, 3), progress: Math.min(n, 3) * 33.3 },
    }));
    expect(r.code).toBe(0);
    expect(r.out).toContain('state:     completed');
    const failed = await cli(['watch', 'exec_1'], () => ({
      status: 200,
      body: { ...view, state: 'failed', error: { code: 'STEP_FAILED', message: 'boom' } },
    }));
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('error:     STEP_FAILED: boom');
  });

  it('sends an event with its payload and id, and says how it was taken', async () => {
    const r = await cli(
      ['send-event', 'exec_1', 'approval', '--payload', '{"ok":true}', '--event-id', 'review-7'],
      () => ({ status: 202, body: { ...view, state: 'running', delivery: 'resumed' } }),
    );
    expect(r.code).toBe(0);
    expect(r.sent[0]).toMatchObject({ method: 'POST', url: 'http://127.0.0.1:3000/executions/exec_1/events' });
    expect(JSON.parse(r.sent[0]!.body ?? '')).toEqual({ type: 'approval', payload: { ok: true }, eventId: 'review-7' });
    expect(r.out).toBe('exec_1: event approval resumed; running\n');
  });

  it('shows what a waiting execution waits for, and until when', async () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    const waiting = {
      ...view,
      state: 'waiting',
      currentStep: 1,
      wait: { kind: 'event', eventType: 'approval', until: '2026-12-03T11:59:00Z' },
    };
    expect(describeWait(waiting as unknown as View, now)).toBe('waiting for approval (timeout in 23h 59m)');
    const sleeping = { ...waiting, wait: { kind: 'sleep', until: '2026-12-02T14:05:00Z' } } as unknown as View;
    expect(describeWait(sleeping, now)).toBe('sleeping until 14:05:00 UTC');
    const later = { ...waiting, wait: { kind: 'sleep', until: '2027-01-05T08:00:00Z' } } as unknown as View;
    expect(describeWait(later, now)).toBe('sleeping until 2027-01-05 08:00:00 UTC');
    expect(describeWait({ ...waiting, wait: { kind: 'event', eventType: 'x' } } as unknown as View, now)).toBe(
      'waiting for x',
    );
    expect(describeWait(view as unknown as View, now)).toBeUndefined();
    expect([humanDuration(42_000), humanDuration(303_000), humanDuration(3 * 86_400_000 + 3_600_000)]).toEqual([
      '42s',
      '5m 3s',
      '3d 1h',
    ]);
    const r = await cli(['get', 'exec_1'], () => ({ status: 200, body: waiting }));
    expect(r.out).toMatch(/waits: {5}waiting for approval \(timeout in /);
  });

  it('shows the workflow version an execution was started under in get, and nothing for one without', async () => {
    const versioned = await cli(['get', 'exec_1'], () => ({ status: 200, body: { ...view, workflowVersion: 'v2' } }));
    expect(versioned.out).toContain(`workflow:  ${view.workflow} (version v2)\n`);
    const plain = await cli(['get', 'exec_1'], () => ({ status: 200, body: view }));
    expect(plain.out).toContain(`workflow:  ${view.workflow}\n`);
  });

  it('signs requests with SigV4 for a deployed API and not for the local server', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-1' };
    Object.assign(process.env, env);
    const remote = await cli(
      ['workflows', '--url', 'https://abc123.execute-api.eu-west-1.amazonaws.com'],
      () => ({ status: 200, body: { items: [] } }),
      env,
    );
    expect(remote.code).toBe(0);
    expect(remote.sent[0]!.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
    );
    const local = await cli(['workflows'], () => ({ status: 200, body: { items: [{ name: 'w', steps: ['a'] }] } }));
    expect(local.sent[0]!.headers.authorization).toBeUndefined();
    expect(local.out).toBe('w: a\n');
  });

  it('uploads an input over 200,000 bytes first, unsigned, then starts with inputUpload', async () => {
    const env = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-1' };
    Object.assign(process.env, env);
    const dir = await mkdtemp(join(tmpdir(), 'longrunning-cli-'));
    try {
      const input = { rows: 'r'.repeat(UPLOAD_INPUT_OVER_BYTES) };
      const file = join(dir, 'input.json');
      await writeFile(file, JSON.stringify(input, null, 2));
      const putUrl = 'https://states.s3.eu-west-1.amazonaws.com/uploads/upl_1.json?X-Amz-Signature=abc';
      const base = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
      const r = await cli(
        ['start', 'arithmetic', '--input', `@${file}`, '--url', base],
        (req) =>
          req.url.endsWith('/executions/uploads')
            ? { status: 201, body: { uploadId: 'upl_1', url: putUrl, expiresAt: 't', maxBytes: 52_428_800 } }
            : req.method === 'PUT'
              ? { status: 200 }
              : { status: 201, body: view },
        env,
      );
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      expect(r.sent.map((s) => `${s.method} ${s.url}`)).toEqual([
        `POST ${base}/executions/uploads`,
        `PUT ${putUrl}`,
        `POST ${base}/executions`,
      ]);
      const [ask, put, start] = r.sent;
      expect(ask?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
      expect(put?.headers).toEqual({ 'content-type': 'application/json' });
      expect(put?.body).toBe(JSON.stringify(input));
      expect(start?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
      expect(JSON.parse(start?.body ?? '')).toEqual({ workflow: 'arithmetic', inputUpload: 'upl_1' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps an input of up to 200,000 bytes inline, and reports a failed upload', async () => {
    const small = { s: 'x'.repeat(UPLOAD_INPUT_OVER_BYTES - 8) };
    expect(JSON.stringify(small)).toHaveLength(UPLOAD_INPUT_OVER_BYTES);
    const inline = await cli(['start', 'arithmetic', '--input', JSON.stringify(small)], () => ({
      status: 201,
      body: view,
    }));
    expect(inline.sent).toHaveLength(1);
    expect(JSON.parse(inline.sent[0]!.body!)).toEqual({ workflow: 'arithmetic', input: small });

    const big = JSON.stringify({ s: 'x'.repeat(UPLOAD_INPUT_OVER_BYTES) });
    const refused = await cli(['start', 'arithmetic', '--input', big], (req) =>
      req.url.endsWith('/executions/uploads')
        ? { status: 201, body: { uploadId: 'upl_1', url: 'http://127.0.0.1:9/put', expiresAt: 't', maxBytes: 1 } }
        : { status: 403, body: 'AccessDenied' },
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error: HTTP_403: uploading the input failed/);
    expect(refused.sent).toHaveLength(2);

    const noBucket = await cli(['start', 'arithmetic', '--input', big], () => ({
      status: 400,
      body: { error: { code: 'VALIDATION_ERROR', message: 'large inputs need the state bucket' } },
    }));
    expect(noBucket.code).toBe(1);
    expect(noBucket.err).toBe('error: VALIDATION_ERROR: large inputs need the state bucket\n');
  });
});
