import { describe, expect, it } from 'vitest';
import { timeOption } from '../../../apps/cli/bulk.js';
import { runAgainstFakeApi, type Respond } from './fake-api.js';

const NOW = Date.parse('2026-12-02T12:00:00.000Z');

async function cli(argv: string[], respond: Respond) {
  const sleeps: number[] = [];
  const run = await runAgainstFakeApi(argv, respond, {
    now: () => NOW,
    watchIntervalMs: 500,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const body = (i = 0) => JSON.parse(run.sent[i]?.body ?? 'null') as Record<string, unknown>;
  return { ...run, sleeps, body };
}

const base = 'http://127.0.0.1:3000';

type Counts = { matched: number; changed: number; skipped: number; failed: number };

function job(over: Partial<{ state: 'running' | 'completed'; counts: Counts; pages: number }> = {}, extra = {}) {
  return {
    id: 'job_1',
    action: 'redrive',
    state: 'running',
    filter: { state: 'failed', max: 1000 },
    counts: { matched: 0, changed: 0, skipped: 0, failed: 0 },
    pages: 0,
    failures: [],
    createdAt: '2026-12-02T12:00:00.000Z',
    updatedAt: '2026-12-02T12:00:00.000Z',
    ...over,
    ...extra,
  };
}

describe('longrunning redrive / bulk-cancel / bulk-pause', () => {
  it('redrive sends the filter, durations resolved against the clock', async () => {
    const r = await cli(
      [
        'redrive',
        '--workflow',
        'arithmetic',
        '--error-code',
        'STEP_FAILED',
        '--state',
        'cancelled',
        '--since',
        '1h30m',
        '--until',
        '90s',
        '--max',
        '500',
        '--request-id',
        'k1',
      ],
      () => ({ status: 202, body: job() }),
    );
    expect(r.code).toBe(0);
    expect(r.sent).toHaveLength(1);
    expect(r.sent[0]?.method).toBe('POST');
    expect(r.sent[0]?.url).toBe(`${base}/executions/redrive`);
    expect(r.body()).toEqual({
      state: 'cancelled',
      workflow: 'arithmetic',
      errorCode: 'STEP_FAILED',
      startedAfter: '2026-12-02T10:30:00.000Z',
      startedBefore: '2026-12-02T11:58:30.000Z',
      max: 500,
      requestId: 'k1',
    });
    // A request id given is not printed back.
    expect(r.out).not.toMatch(/request id:/);
    expect(r.out).toMatch(/^job job_1: redrive, running\n/);
    expect(r.out).toMatch(/follow: +longrunning job job_1 --wait/);
  });

  it.each([
    ['bulk-cancel', 'cancel', 'waiting'],
    ['bulk-pause', 'pause', 'running'],
  ])('%s posts to /executions/%s; ISO times are sent as given', async (command, action, state) => {
    const r = await cli(
      [command, '--state', state, '--since', '2026-11-30T00:00:00Z', '--until', '2d', '--request-id', 'k2'],
      () => ({ status: 202, body: job({}, { action }) }),
    );
    expect(r.code).toBe(0);
    expect(r.sent[0]?.url).toBe(`${base}/executions/${action}`);
    expect(r.body()).toEqual({
      state,
      startedAfter: '2026-11-30T00:00:00Z',
      startedBefore: '2026-11-30T12:00:00.000Z',
      requestId: 'k2',
    });
    expect(r.out).toContain(`job job_1: ${action}, running`);
  });

  it('generates a request id, sends it and prints how to send the same request again', async () => {
    const r = await cli(['redrive', '--since', '15m'], () => ({ status: 202, body: job() }));
    expect(r.code).toBe(0);
    const sent = r.body().requestId as string;
    expect(sent).toMatch(/^req_[0-9a-f]{24}$/);
    expect(r.body()).toEqual({ startedAfter: '2026-12-02T11:45:00.000Z', requestId: sent });
    expect(r.out).toContain(
      `request id: ${sent} (re-run with --request-id ${sent} --since 2026-12-02T11:45:00.000Z to get the same job)\n`,
    );
    const again = await cli(['redrive'], () => ({ status: 202, body: job() }));
    expect(again.body().requestId).not.toBe(sent);
  });

  it('--json prints the raw job on stdout and the request id on stderr', async () => {
    const r = await cli(['bulk-cancel', '--json'], () => ({ status: 202, body: job({}, { action: 'cancel' }) }));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(job({}, { action: 'cancel' }));
    expect(r.err).toMatch(/^request id: req_[0-9a-f]{24} \(re-run with --request-id req_[0-9a-f]{24} to get/);
  });

  it('--wait polls the job until it completes, a line per change of its counts', async () => {
    const polls = [
      job({ counts: { matched: 25, changed: 25, skipped: 0, failed: 0 }, pages: 1 }),
      job({ counts: { matched: 25, changed: 25, skipped: 0, failed: 0 }, pages: 1 }),
      job({ counts: { matched: 50, changed: 48, skipped: 2, failed: 0 }, pages: 2 }),
      job(
        { state: 'completed', counts: { matched: 60, changed: 58, skipped: 2, failed: 0 }, pages: 3 },
        { endTime: '2026-12-02T12:00:05.000Z' },
      ),
    ];
    let i = 0;
    const r = await cli(['redrive', '--request-id', 'k3', '--wait'], (req) =>
      req.method === 'POST' ? { status: 202, body: job() } : { status: 200, body: polls[i++] },
    );
    expect(r.code).toBe(0);
    expect(r.sent.map((s) => `${s.method} ${new URL(s.url).pathname}`)).toEqual([
      'POST /executions/redrive',
      'GET /jobs/job_1',
      'GET /jobs/job_1',
      'GET /jobs/job_1',
      'GET /jobs/job_1',
    ]);
    expect(r.sleeps).toEqual([500, 500, 500, 500]);
    expect(r.out).toBe(
      [
        'running: matched 0, changed 0, skipped 0, failed 0 (0 pages)',
        'running: matched 25, changed 25, skipped 0, failed 0 (1 page)',
        'running: matched 50, changed 48, skipped 2, failed 0 (2 pages)',
        'completed: matched 60, changed 58, skipped 2, failed 0 (3 pages)',
        'job job_1: redrive, completed',
        'filter:   state failed, max 1000',
        'counts:   matched 60, changed 58, skipped 2, failed 0',
        'pages:    3',
        'created:  2026-12-02T12:00:00.000Z',
        'updated:  2026-12-02T12:00:00.000Z',
        'ended:    2026-12-02T12:00:05.000Z',
        '',
      ].join('\n'),
    );
  });

  it('--wait exits 1 and lists the failures when any execution failed', async () => {
    const done = job(
      { state: 'completed', counts: { matched: 30, changed: 27, skipped: 0, failed: 3 }, pages: 2 },
      {
        action: 'pause',
        failures: [
          { executionId: 'exec_a', error: { code: 'INTERNAL', message: 'boom' } },
          { executionId: 'exec_b', error: { code: 'STORE_ERROR', message: 'throttled for good' } },
        ],
      },
    );
    const r = await cli(['bulk-pause', '--request-id', 'k4', '--wait'], (req) =>
      req.method === 'POST' ? { status: 200, body: done } : { status: 500 },
    );
    expect(r.code).toBe(1);
    expect(r.sent).toHaveLength(1);
    expect(r.sleeps).toEqual([]);
    expect(r.out).toContain('job job_1: pause, completed\n');
    expect(r.out).toContain(
      'failures: (the last 2 of 3)\n  exec_a  INTERNAL: boom\n  exec_b  STORE_ERROR: throttled for good\n',
    );
  });

  it('--wait --json prints only the completed job', async () => {
    const done = job({ state: 'completed', counts: { matched: 1, changed: 1, skipped: 0, failed: 0 }, pages: 1 });
    const r = await cli(['redrive', '--request-id', 'k5', '--wait', '--json'], (req) =>
      req.method === 'POST' ? { status: 202, body: job() } : { status: 200, body: done },
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(done);
  });

  it("prints the API's validation error with exit code 1", async () => {
    const r = await cli(['bulk-pause', '--state', 'paused', '--request-id', 'k6'], () => ({
      status: 400,
      body: {
        error: {
          code: 'VALIDATION_ERROR',
          message: 'filter.state for pause must be one of running, waiting, got "paused"',
        },
      },
    }));
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'error: VALIDATION_ERROR: filter.state for pause must be one of running, waiting, got "paused"\n',
    );
  });
});

describe('longrunning job', () => {
  it('shows a job', async () => {
    const r = await cli(['job', 'job_1'], () => ({
      status: 200,
      body: job(
        { state: 'completed', counts: { matched: 200, changed: 198, skipped: 2, failed: 0 }, pages: 8 },
        {
          filter: {
            state: 'failed',
            workflow: 'arithmetic',
            errorCode: 'STEP_FAILED',
            startedAfter: '2026-12-01T00:00:00.000Z',
            max: 1000,
          },
        },
      ),
    }));
    expect(r.code).toBe(0);
    expect(r.sent.map((s) => `${s.method} ${s.url}`)).toEqual([`GET ${base}/jobs/job_1`]);
    expect(r.out).toMatch(/^job job_1: redrive, completed\n/);
    expect(r.out).toContain(
      'filter:   state failed, workflow arithmetic, error code STEP_FAILED, started at or after 2026-12-01T00:00:00.000Z, max 1000\n',
    );
    expect(r.out).toContain('counts:   matched 200, changed 198, skipped 2, failed 0\npages:    8\n');
    expect(r.out).not.toMatch(/failures|follow/);
  });

  it('--wait follows a job until it completes', async () => {
    const states = [
      job({ counts: { matched: 5, changed: 5, skipped: 0, failed: 0 }, pages: 1 }),
      job({ state: 'completed', counts: { matched: 9, changed: 8, skipped: 0, failed: 1 }, pages: 1 }),
    ];
    let i = 0;
    const r = await cli(['job', 'job_1', '--wait'], () => ({ status: 200, body: states[i++] }));
    expect(r.code).toBe(1);
    expect(r.sent).toHaveLength(2);
    expect(r.sleeps).toEqual([500]);
    expect(r.out).toMatch(/^running: matched 5, .*\ncompleted: matched 9, changed 8, skipped 0, failed 1 \(1 page\)\n/);
  });

  it('an unknown job: the API error, exit 1', async () => {
    const r = await cli(['job', 'job_nope'], () => ({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'job not found: job_nope' } },
    }));
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: NOT_FOUND: job not found: job_nope\n');
  });
});

describe('bulk command-line mistakes', () => {
  it.each([
    [['redrive', '--since', '1 hour'], /--since must be a duration back from now .*got "1 hour"/],
    [['redrive', '--until', '1.5h'], /--until must be a duration back from now/],
    [['redrive', '--since', '30m1h'], /--since must be a duration/],
    [['bulk-cancel', '--since', ''], /--since must be a duration/],
    [['redrive', '--since', '2026-13-45T00:00:00Z'], /--since must be a duration/],
    [['redrive', '--max', '0'], /--max must be a whole number from 1 to 100,000, got "0"/],
    [['redrive', '--max', '100001'], /--max must be a whole number from 1 to 100,000/],
    [['bulk-pause', '--max', 'lots'], /--max must be a whole number/],
    [['redrive', '--state', 'broken'], /--state must be an execution state \(.*failed.*\), got "broken"/],
    [['job'], /job takes exactly one job id/],
    [['job', 'a', 'b'], /job takes exactly one job id/],
    [['job', 'job_1', '--max', '5'], /job does not take --max/],
    [['redrive', 'exec_1'], /redrive takes no arguments/],
  ])('rejects %j with exit code 2 and sends nothing', async (argv, message) => {
    const r = await cli(argv, () => ({ status: 202, body: job() }));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.sent).toHaveLength(0);
  });

  it('timeOption reads durations and ISO times', () => {
    expect(timeOption('90s', '--since', NOW)).toBe('2026-12-02T11:58:30.000Z');
    expect(timeOption('2d', '--since', NOW)).toBe('2026-11-30T12:00:00.000Z');
    expect(timeOption('1d2h3m4s', '--since', NOW)).toBe('2026-12-01T09:56:56.000Z');
    expect(timeOption('2026-01-31T12:00:00+01:00', '--since', NOW)).toBe('2026-01-31T12:00:00+01:00');
    expect(() => timeOption('99999999999999d', '--since', NOW)).toThrow(/--since must be/);
  });
});
