import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnEditor } from '../../../apps/cli/fork-rewind.js';
import { UPLOAD_INPUT_OVER_BYTES } from '../../../apps/cli/main.js';
import { runAgainstFakeApi, type Respond } from './fake-api.js';

async function cli(argv: string[], respond: Respond, runEditor?: (file: string) => Promise<number>) {
  const run = await runAgainstFakeApi(argv, respond, runEditor ? { runEditor } : {});
  return { ...run, posts: run.sent.filter((s) => s.method === 'POST') };
}

const base = 'http://127.0.0.1:3000';
const view = {
  id: 'exec_2',
  name: 'what-if',
  workflow: 'arithmetic',
  state: 'running',
  progress: 33.3,
  currentStep: 1,
  totalSteps: 3,
  stepNames: ['add-ten', 'double', 'subtract-three'],
  startTime: 't',
  lastUpdate: 't',
  forkedFrom: { executionId: 'exec_1', checkpoint: 1 },
};

const cp = (seq: number, state: unknown) => ({ id: `exec_1/${seq}`, seq, step: seq, timestamp: 't', state });

/** Checkpoints 5..0 of exec_1, two a page, newest first; POSTs answer `answer`. */
function withCheckpoints(states: Record<number, unknown>, answer: { status: number; body?: unknown }): Respond {
  return (req) => {
    const url = new URL(req.url);
    if (req.method === 'GET' && url.pathname === '/executions/exec_1/checkpoints') {
      const from = Number(url.searchParams.get('nextToken') ?? 5);
      const items = [from, from - 1].filter((s) => s >= 0).map((s) => cp(s, states[s] ?? { value: s }));
      return { status: 200, body: { items, ...(from - 2 >= 0 ? { nextToken: String(from - 2) } : {}) } };
    }
    return answer;
  };
}

/** A fake editor that checks the file it is given and replaces its text with `text`. */
function editorWriting(text: string, seen: { before?: string; mode?: number; file?: string }) {
  return async (file: string): Promise<number> => {
    seen.file = file;
    seen.before = await readFile(file, 'utf8');
    seen.mode = (await stat(file)).mode & 0o777;
    await writeFile(file, text);
    return 0;
  };
}

describe('longrunning fork and rewind', () => {
  it('forks from a checkpoint with an inline state, a name, steps and an idempotency key', async () => {
    const r = await cli(
      [
        'fork',
        'exec_1',
        '--from',
        '1',
        '--state',
        '{"value":5}',
        '--name',
        'what-if',
        '--steps',
        'double, subtract-three',
        '--idempotency-key',
        'k1',
      ],
      () => ({ status: 201, body: view }),
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.sent.map((s) => `${s.method} ${s.url}`)).toEqual([`POST ${base}/executions/exec_1/fork`]);
    expect(JSON.parse(r.sent[0]!.body!)).toEqual({
      fromCheckpoint: 1,
      state: { value: 5 },
      name: 'what-if',
      steps: ['double', 'subtract-three'],
      idempotencyKey: 'k1',
    });
    expect(r.out).toMatch(/^forked exec_2 from exec_1 at checkpoint 1\nid: {8}exec_2\n/);
    expect(r.out).toContain('forked:    from exec_1 at checkpoint 1');
  });

  it('forks with a state from @file, or with none (the checkpoint’s), and prints raw JSON with --json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'longrunning-cli-'));
    try {
      const file = join(dir, 'state.json');
      await writeFile(file, '{\n  "value": 7\n}\n');
      const r = await cli(['fork', 'exec_1', '--from', '0', '--state', `@${file}`, '--json'], () => ({
        status: 201,
        body: view,
      }));
      expect(r.code).toBe(0);
      expect(JSON.parse(r.sent[0]!.body!)).toEqual({ fromCheckpoint: 0, state: { value: 7 } });
      expect(JSON.parse(r.out)).toEqual(view);
      const plain = await cli(['fork', 'exec_1', '--from', '2'], () => ({ status: 201, body: view }));
      expect(JSON.parse(plain.sent[0]!.body!)).toEqual({ fromCheckpoint: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rewinds to a checkpoint, with a state or without', async () => {
    const rewound = { ...view, id: 'exec_1', forkedFrom: undefined, superseded: [[2, 3]], changed: true };
    const r = await cli(['rewind', 'exec_1', '--to', '1', '--state', '{"value":4}'], () => ({
      status: 200,
      body: rewound,
    }));
    expect(r.code).toBe(0);
    expect(r.sent.map((s) => `${s.method} ${s.url}`)).toEqual([`POST ${base}/executions/exec_1/rewind`]);
    expect(JSON.parse(r.sent[0]!.body!)).toEqual({ toCheckpoint: 1, state: { value: 4 } });
    expect(r.out).toMatch(/^rewound exec_1 to checkpoint 1\n/);
    expect(r.out).toContain('rewound:   checkpoints 2-3 superseded');
    const plain = await cli(['rewind', 'exec_1', '--to', '0'], () => ({ status: 200, body: rewound }));
    expect(JSON.parse(plain.sent[0]!.body!)).toEqual({ toCheckpoint: 0 });
  });

  it('--edit pages to the checkpoint, opens its state in the editor and sends what was saved', async () => {
    const seen: { before?: string; mode?: number; file?: string } = {};
    const r = await cli(
      ['fork', 'exec_1', '--from', '2', '--edit'],
      withCheckpoints({ 2: { value: 22, history: ['a'] } }, { status: 201, body: view }),
      editorWriting('{"value": 99}', seen),
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.sent.map((s) => `${s.method} ${new URL(s.url).pathname}${new URL(s.url).search}`)).toEqual([
      'GET /executions/exec_1/checkpoints?limit=100',
      'GET /executions/exec_1/checkpoints?limit=100&nextToken=3',
      'POST /executions/exec_1/fork',
    ]);
    expect(seen.before).toBe(`${JSON.stringify({ value: 22, history: ['a'] }, null, 2)}\n`);
    expect(seen.mode).toBe(0o600);
    expect(JSON.parse(r.posts[0]!.body!)).toEqual({ fromCheckpoint: 2, state: { value: 99 } });
    expect(existsSync(seen.file!)).toBe(false);
  });

  it('--edit sends an unchanged state too, explicitly', async () => {
    const r = await cli(
      ['rewind', 'exec_1', '--to', '5', '--edit'],
      withCheckpoints({}, { status: 200, body: view }),
      async () => 0,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.posts[0]!.body!)).toEqual({ toCheckpoint: 5, state: { value: 5 } });
  });

  it('--edit sends nothing when the editor fails or leaves invalid JSON, and removes the file', async () => {
    let file = '';
    const failed = await cli(
      ['fork', 'exec_1', '--from', '1', '--edit'],
      withCheckpoints({}, { status: 201, body: view }),
      async (f) => {
        file = f;
        return 1;
      },
    );
    expect(failed.code).toBe(1);
    expect(failed.err).toBe('error: the editor exited with code 1; nothing was sent\n');
    expect(failed.posts).toHaveLength(0);
    expect(existsSync(file)).toBe(false);

    const seen: { file?: string } = {};
    const broken = await cli(
      ['rewind', 'exec_1', '--to', '1', '--edit'],
      withCheckpoints({}, { status: 200, body: view }),
      editorWriting('{"value": ', seen),
    );
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^error: the edited state is not valid JSON \(.+\); nothing was sent\n$/);
    expect(broken.posts).toHaveLength(0);
    expect(existsSync(seen.file!)).toBe(false);
  });

  it('--edit reads an offloaded state through its link, and checks its sha256', async () => {
    const big = { rows: ['r1', 'r2'] };
    const text = JSON.stringify(big);
    const sha256 = createHash('sha256').update(text).digest('hex');
    const url = 'https://states.s3.eu-west-1.amazonaws.com/executions/exec_1/abc.json?X-Amz-Signature=x';
    const ref = (sha: string) => ({
      $longrunningState: { key: 'executions/exec_1/abc.json', bytes: 9, sha256: sha, url },
    });
    const respond =
      (sha: string): Respond =>
      (req) =>
        req.url === url
          ? { status: 200, body: big }
          : withCheckpoints({ 1: ref(sha) }, { status: 201, body: view })(req);
    const seen: { before?: string } = {};
    const r = await cli(
      ['fork', 'exec_1', '--from', '1', '--edit'],
      respond(sha256),
      editorWriting('{"rows":[]}', seen),
    );
    expect(r.err).toBe('');
    expect(r.sent.map((s) => s.url)).toContain(url);
    expect(JSON.parse(seen.before!)).toEqual(big);
    expect(JSON.parse(r.posts[0]!.body!)).toEqual({ fromCheckpoint: 1, state: { rows: [] } });

    const mismatch = await cli(['fork', 'exec_1', '--from', '1', '--edit'], respond('0'.repeat(64)), async () => 0);
    expect(mismatch.code).toBe(1);
    expect(mismatch.err).toMatch(/does not match its sha256/);
    expect(mismatch.posts).toHaveLength(0);

    const noLink = await cli(
      ['fork', 'exec_1', '--from', '1', '--edit'],
      withCheckpoints({ 1: { $longrunningState: { key: 'k', bytes: 9, sha256 } } }, { status: 201, body: view }),
      async () => 0,
    );
    expect(noLink.code).toBe(1);
    expect(noLink.err).toMatch(/kept in S3 and the API gave no link/);
  });

  it('--edit of a checkpoint that does not exist sends nothing', async () => {
    let opened = false;
    const r = await cli(['fork', 'exec_1', '--from', '9', '--edit'], withCheckpoints({}, { status: 201 }), async () => {
      opened = true;
      return 0;
    });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/checkpoint 9 of execution exec_1 not found/);
    expect(r.sent).toHaveLength(1);
    expect(opened).toBe(false);
  });

  it('uploads a state over 200,000 bytes first and sends stateUpload', async () => {
    const state = JSON.stringify({ s: 'x'.repeat(UPLOAD_INPUT_OVER_BYTES) });
    const putUrl = 'http://127.0.0.1:9/uploads/upl_1.json';
    const r = await cli(['rewind', 'exec_1', '--to', '1', '--state', state], (req) =>
      req.url.endsWith('/executions/uploads')
        ? { status: 201, body: { uploadId: 'upl_1', url: putUrl, expiresAt: 't', maxBytes: 52_428_800 } }
        : req.method === 'PUT'
          ? { status: 200 }
          : { status: 200, body: view },
    );
    expect(r.code).toBe(0);
    expect(r.sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      `POST ${base}/executions/uploads`,
      `PUT ${putUrl}`,
      `POST ${base}/executions/exec_1/rewind`,
    ]);
    expect(r.sent[1]!.body).toBe(state);
    expect(JSON.parse(r.sent[2]!.body!)).toEqual({ toCheckpoint: 1, stateUpload: 'upl_1' });

    const refused = await cli(['fork', 'exec_1', '--from', '1', '--state', state], (req) =>
      req.url.endsWith('/executions/uploads')
        ? { status: 201, body: { uploadId: 'upl_1', url: putUrl, expiresAt: 't', maxBytes: 1 } }
        : { status: 403 },
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error: HTTP_403: uploading the state failed/);
  });

  it.each([
    [['fork', 'exec_1'], /fork needs --from N/],
    [['rewind', 'exec_1'], /rewind needs --to N/],
    [['fork', 'exec_1', '--from=-1'], /--from must be a checkpoint's seq, a whole number >= 0, got "-1"/],
    [['fork', 'exec_1', '--from', '-1'], /--from/],
    [['fork', 'exec_1', '--from', '1.5'], /--from must be a checkpoint's seq/],
    [['rewind', 'exec_1', '--to', 'two'], /--to must be a checkpoint's seq/],
    [['rewind', 'exec_1', '--from', '1'], /rewind takes --to N, not --from/],
    [['fork', 'exec_1', '--to', '1'], /fork takes --from N, not --to/],
    [['rewind', 'exec_1', '--to', '1', '--name', 'x'], /rewind does not take --name/],
    [['fork', 'exec_1', '--from', '1', '--edit', '--state', '{}'], /either --state or --edit, not both/],
    [['fork', 'exec_1', '--from', '1', '--state', '{oops'], /--state is not valid JSON/],
    [['fork', '--from', '1'], /fork takes exactly one execution id/],
    [['rewind', 'a', 'b', '--to', '1'], /rewind takes exactly one execution id/],
  ])('rejects %j with exit code 2 and sends nothing', async (argv, message) => {
    let opened = false;
    const r = await cli(
      argv,
      () => ({ status: 200, body: { items: [cp(1, {})] } }),
      async () => {
        opened = true;
        return 0;
      },
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.sent).toHaveLength(0);
    expect(opened).toBe(false);
  });

  it('prints API errors with their code, exit code 1', async () => {
    const missing = await cli(['fork', 'exec_1', '--from', '9'], () => ({
      status: 404,
      body: { error: { code: 'NOT_FOUND', message: 'checkpoint not found: 9 of execution exec_1' } },
    }));
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('error: NOT_FOUND: checkpoint not found: 9 of execution exec_1\n');
    const running = await cli(['rewind', 'exec_1', '--to', '0'], () => ({
      status: 409,
      body: { error: { code: 'ILLEGAL_TRANSITION', message: 'cannot rewind execution exec_1: it is running' } },
    }));
    expect(running.code).toBe(1);
    expect(running.err).toBe('error: ILLEGAL_TRANSITION: cannot rewind execution exec_1: it is running\n');
  });

  it('lists checkpoints with their seq and what rewinds did', async () => {
    const items = [
      { ...cp(4, { v: 11 }), step: 1, rewoundTo: 1 },
      { ...cp(3, { v: 19 }), superseded: true },
      cp(1, { v: 11 }),
    ];
    const r = await cli(['checkpoints', 'exec_1'], () => ({ status: 200, body: { items } }));
    expect(r.out.split('\n')).toEqual([
      'SEQ  STEP  TIMESTAMP  NOTE          STATE',
      '4    1     t          rewound to 1  {"v":11}',
      '3    3     t          superseded    {"v":19}',
      '1    1     t          -             {"v":11}',
      '',
    ]);
  });
});

describe('the default editor', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'longrunning-editor-'));
    await writeFile(
      join(dir, 'editor.mjs'),
      "import { writeFileSync } from 'node:fs';\n" +
        'const [flag, file] = process.argv.slice(2);\n' +
        "writeFileSync(file, JSON.stringify({ flag }));\nprocess.exit(flag === '--fail' ? 3 : 0);\n",
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs $VISUAL, else $EDITOR, split on whitespace, with the file last, and resolves its exit code', async () => {
    const file = join(dir, 'state.json');
    const editor = `${process.execPath} ${join(dir, 'editor.mjs')}`;
    expect(await spawnEditor({ VISUAL: `${editor} --wait`, EDITOR: 'false' })(file)).toBe(0);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ flag: '--wait' });
    expect(await spawnEditor({ VISUAL: '  ', EDITOR: `${editor} --fail` })(file)).toBe(3);
    await expect(spawnEditor({ EDITOR: join(dir, 'no-such-editor') })(file)).rejects.toThrow(/cannot run the editor/);
  });
});
