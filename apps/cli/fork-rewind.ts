/**
 * `longrunning fork` and `longrunning rewind`: a new execution from a checkpoint of
 * another, or an execution taken back to one of its checkpoints; the state to run on
 * with is the checkpoint's, one given with `--state`, or one edited with `--edit`.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient } from './api-client.js';
import type { CliIo } from './cli-io.js';
import { formatExecution, type View } from './format.js';
import { readJsonOption, UsageError } from './options.js';
import { inlineOrUploaded } from './upload.js';

/** The command-line options `fork` and `rewind` read. */
export interface ForkRewindOptions {
  from?: string | undefined;
  to?: string | undefined;
  state?: string | undefined;
  edit?: boolean | undefined;
  name?: string | undefined;
  steps?: string | undefined;
  'idempotency-key'?: string | undefined;
}

/** What a fork or rewind answered: the raw JSON (`--json`) and its text for people. */
export interface ForkRewindResult {
  json: unknown;
  human: () => string;
}

/** The field of a state the API keeps in S3 (see docs/http-api.md, "Large states in responses"). */
const STATE_REF_FIELD = '$longrunningState';

const FORK_ONLY = ['name', 'steps', 'idempotency-key'] as const;

/**
 * Runs `fork <id> --from N` or `rewind <id> --to N`: checks the options (UsageError
 * before anything is sent), finds the state (`--state`, `--edit`, or none: the
 * checkpoint's), uploads it first when it is too large for a request body, and
 * posts the fork or rewind.
 */
export async function forkOrRewind(
  command: 'fork' | 'rewind',
  id: string,
  values: ForkRewindOptions,
  client: ApiClient,
  io: CliIo,
): Promise<ForkRewindResult> {
  const [flag, other] = command === 'fork' ? (['from', 'to'] as const) : (['to', 'from'] as const);
  if (values[other] !== undefined) throw new UsageError(`${command} takes --${flag} N, not --${other}`);
  if (values[flag] === undefined) throw new UsageError(`${command} needs --${flag} N (a checkpoint's seq)`);
  const seq = checkpointSeq(values[flag], `--${flag}`);
  if (command === 'rewind') {
    const given = FORK_ONLY.find((o) => values[o] !== undefined);
    if (given !== undefined) throw new UsageError(`rewind does not take --${given} (fork does)`);
  }
  if (values.edit && values.state !== undefined) throw new UsageError('give either --state or --edit, not both');
  const path = `/executions/${encodeURIComponent(id)}`;
  const state = values.edit ? await editedState(client, id, seq, io) : await readJsonOption(values.state, '--state');
  const stateFields =
    values.edit || values.state !== undefined ? await inlineOrUploaded(client, state, 'state', 'stateUpload') : {};
  if (command === 'rewind') {
    const view = (await client.request('POST', `${path}/rewind`, { toCheckpoint: seq, ...stateFields })) as View;
    return { json: view, human: () => `rewound ${view.id} to checkpoint ${seq}\n${formatExecution(view)}` };
  }
  const body = {
    fromCheckpoint: seq,
    ...stateFields,
    ...(values.name !== undefined ? { name: values.name } : {}),
    ...(values.steps !== undefined ? { steps: values.steps.split(',').map((s) => s.trim()) } : {}),
    ...(values['idempotency-key'] !== undefined ? { idempotencyKey: values['idempotency-key'] } : {}),
  };
  const view = (await client.request('POST', `${path}/fork`, body)) as View;
  return { json: view, human: () => `forked ${view.id} from ${id} at checkpoint ${seq}\n${formatExecution(view)}` };
}

/** A checkpoint's sequence number: a whole number >= 0. */
function checkpointSeq(raw: string, flag: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw new UsageError(`${flag} must be a checkpoint's seq, a whole number >= 0, got "${raw}"`);
  return Number(raw);
}

/**
 * Checkpoint `seq`'s state after the user edited it: written pretty-printed to a
 * private temporary file, opened in the editor, read back as JSON. An editor that
 * fails, or a file that is no longer JSON, aborts: nothing is sent. The temporary
 * directory is removed in every case.
 */
async function editedState(client: ApiClient, id: string, seq: number, io: CliIo): Promise<unknown> {
  const current = await checkpointState(client, id, seq);
  const dir = await mkdtemp(join(tmpdir(), 'longrunning-edit-'));
  try {
    const file = join(dir, `${id.replace(/[^A-Za-z0-9_.-]/g, '_')}-checkpoint-${seq}.json`);
    await writeFile(file, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600 });
    const code = await (io.runEditor ?? spawnEditor(io.env))(file);
    if (code !== 0) throw new Error(`the editor exited with code ${code}; nothing was sent`);
    const text = await readFile(file, 'utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new Error(`the edited state is not valid JSON (${(err as Error).message}); nothing was sent`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The state of checkpoint `seq` of execution `id`, paging through its checkpoints
 * (newest first) until it is found; an offloaded state is read through its link.
 */
async function checkpointState(client: ApiClient, id: string, seq: number): Promise<unknown> {
  let nextToken: string | undefined;
  do {
    const page = (await client.request('GET', `/executions/${encodeURIComponent(id)}/checkpoints`, undefined, {
      limit: '100',
      nextToken,
    })) as { items: { seq: number; state?: unknown }[]; nextToken?: string };
    const found = page.items.find((cp) => cp.seq === seq);
    if (found) return offloadedState(client, found.state, seq);
    // Newest first: past `seq` without finding it, no later page has it.
    if (page.items.some((cp) => cp.seq < seq)) break;
    nextToken = page.nextToken;
  } while (nextToken);
  throw new Error(`checkpoint ${seq} of execution ${id} not found (see: longrunning checkpoints ${id})`);
}

/** The state itself: fetched from its `url` when the API shows it as an offloaded reference. */
async function offloadedState(client: ApiClient, state: unknown, seq: number): Promise<unknown> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return state;
  const keys = Object.keys(state);
  if (keys.length !== 1 || keys[0] !== STATE_REF_FIELD) return state;
  const ref = (state as Record<string, unknown>)[STATE_REF_FIELD] as { url?: unknown; sha256?: unknown } | null;
  if (typeof ref?.url !== 'string')
    throw new Error(`checkpoint ${seq}'s state is kept in S3 and the API gave no link to read it`);
  const text = await client.download(ref.url);
  if (typeof ref.sha256 === 'string' && createHash('sha256').update(text).digest('hex') !== ref.sha256)
    throw new Error(`checkpoint ${seq}'s state read from its link does not match its sha256`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`checkpoint ${seq}'s state read from its link is not JSON: ${(err as Error).message}`);
  }
}

/**
 * The default {@link CliIo.runEditor}: `$VISUAL`, else `$EDITOR`, else `vi`, split on
 * whitespace (so `EDITOR="code --wait"` works), with the file as its last argument
 * and the terminal inherited. Resolves with its exit code (1 when a signal ended it).
 */
export function spawnEditor(env: CliIo['env']): (file: string) => Promise<number> {
  const [command = 'vi', ...args] = (env.VISUAL?.trim() || env.EDITOR?.trim() || 'vi').split(/\s+/);
  return (file) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, [...args, file], { stdio: 'inherit' });
      child.on('error', (err) => reject(new Error(`cannot run the editor "${command}": ${err.message}`)));
      child.on('exit', (code) => resolve(code ?? 1));
    });
}
