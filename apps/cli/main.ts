import { parseArgs } from 'node:util';
import { EXECUTION_ID_PATTERN, SAFE_ID_RULE } from '../../lib/index.js';
import { ApiCallError, ApiClient, isLocalUrl } from './api-client.js';
import {
  formatCheckpoints,
  formatExecution,
  formatList,
  formatWorkflows,
  type CheckpointItem,
  type View,
} from './format.js';
import type { CliIo } from './cli-io.js';
import { forkOrRewind } from './fork-rewind.js';
import { readJsonOption, UsageError } from './options.js';
import { inlineOrUploaded, UPLOAD_INPUT_OVER_BYTES } from './upload.js';
import { watchExecution } from './watch.js';
import { runCheckDeploy } from './check-deploy.js';
import { BULK_COMMANDS, runBulk, runJob } from './bulk.js';
import { runConsole } from './console.js';
import { runBudget, runUsage } from './budget.js';
import { runLimits } from './limits.js';
import { runDoctor, type DoctorCommand } from './doctor.js';

export type { CliIo } from './cli-io.js';
export { UsageError } from './options.js';
export { UPLOAD_INPUT_OVER_BYTES } from './upload.js';

export const DEFAULT_URL = 'http://127.0.0.1:3000';

export const USAGE = `usage: longrunning <command> [options]

commands:
  start <workflow> [--input JSON|@file] [--name N] [--idempotency-key K] [--steps a,b,c] [--max-step-runs N]
                           an input over ${UPLOAD_INPUT_OVER_BYTES.toLocaleString('en-US')} bytes of JSON is uploaded first
                           (needs the deployment's state bucket)
  get <id>                 an execution's view
  ls [--state S] [--workflow W] [--name TEXT] [--limit N] [--next-token T]
                           --name: executions whose name contains TEXT, in any case
  checkpoints <id> [--limit N] [--next-token T]
  pause <id> | resume <id> | cancel <id> | retry <id>
  delete <id>              remove a finished execution
  budget <id> [--tokens N] [--cost-usd X] [--unit name=value ...]
                           replace an execution's budget; one paused with BUDGET_EXCEEDED
                           runs on when the new budget allows it
  usage --workflow W       a workflow's usage, summed over its executions (the newest 10,000)
  workflows                the deployed workflows and their steps
  limits                   every limit key: slots in use of the limit, executions waiting, tokens left
  watch <id>               live progress until the execution ends
  send-event <id> <type> [--payload JSON|@file] [--event-id K]
                           deliver an event to an execution (its wait, or its inbox)
  fork <id> --from N [--state JSON|@file | --edit] [--name N] [--steps a,b,c] [--idempotency-key K]
                           a new execution from checkpoint N (its seq) of <id>
  rewind <id> --to N [--state JSON|@file | --edit]
                           take <id> (paused, failed, cancelled or completed) back to checkpoint N
                           --edit opens checkpoint N's state in $VISUAL/$EDITOR (default vi) first;
                           a state over ${UPLOAD_INPUT_OVER_BYTES.toLocaleString('en-US')} bytes of JSON is uploaded first
  check-deploy --workflows <module> [--strict]
                           list unfinished executions the module's workflows would strand
                           (exit 1 when any would; --strict: also steps already run)
  redrive [--state failed|cancelled] [filter] [--request-id K] [--wait]
  bulk-cancel [--state running|waiting|paused] [filter] [--request-id K] [--wait]
  bulk-pause [--state running|waiting] [filter] [--request-id K] [--wait]
                           a bulk job over the executions the filter matches:
                           [--workflow W] [--error-code C] [--since T] [--until T] [--max N]
                           (started since / until T: a duration back from now such as 90s,
                           15m, 1h30m, 2d, or an ISO 8601 time; --max 1..100000, default 1000);
                           the same --request-id (and filter) gets the same job, not another
  job <jobId> [--wait]     a bulk job; --wait: follow it until it completes
                           (exit 1 when any execution failed)
  console [--port N] [--no-open]
                           a local proxy on 127.0.0.1 for the web console: serves the built console
                           (dist/console, from npm run build; built into a temporary folder when
                           missing and esbuild is installed) and forwards /api/* to --url, signed;
                           prints the URL to open (with its secret token) and runs until Ctrl-C;
                           it never opens a browser itself
  doctor [--url URL | --stack NAME] [--region R] [--sign|--no-sign] [--json]
                           check this machine: Node, the local emulator, the region, the AWS
                           credentials; with --url (or $LONGRUNNING_URL) or --stack (its ApiUrl
                           output), also that the API answers you; prints the fix of each
                           warning or failure (exit 1 when any check failed)

options:
  --url URL     the API (default $LONGRUNNING_URL or ${DEFAULT_URL}, the local dev server)
  --json        print the API's raw JSON
  --sign / --no-sign   SigV4-sign requests (default: sign unless the URL is local)
  --region R    region to sign for (default: from the URL, or $AWS_REGION)
  -h, --help    this help
`;

const OPTIONS = {
  url: { type: 'string' },
  json: { type: 'boolean' },
  sign: { type: 'boolean' },
  'no-sign': { type: 'boolean' },
  region: { type: 'string' },
  input: { type: 'string' },
  name: { type: 'string' },
  'idempotency-key': { type: 'string' },
  steps: { type: 'string' },
  state: { type: 'string' },
  workflow: { type: 'string' },
  limit: { type: 'string' },
  'next-token': { type: 'string' },
  payload: { type: 'string' },
  'max-step-runs': { type: 'string' },
  'event-id': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  edit: { type: 'boolean' },
  workflows: { type: 'string' },
  strict: { type: 'boolean' },
  'error-code': { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  max: { type: 'string' },
  'request-id': { type: 'string' },
  wait: { type: 'boolean' },
  port: { type: 'string' },
  stack: { type: 'string' },
  'no-open': { type: 'boolean' },
  tokens: { type: 'string' },
  'cost-usd': { type: 'string' },
  unit: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

const ID_COMMANDS = new Set(['get', 'checkpoints', 'pause', 'resume', 'cancel', 'retry', 'delete', 'watch', 'budget']);
const NO_ARG_COMMANDS = new Set([
  'ls',
  'workflows',
  'usage',
  'check-deploy',
  'console',
  'doctor',
  'limits',
  ...Object.keys(BULK_COMMANDS),
]);

/** Runs the CLI with `argv` (without node and script); resolves with the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parse(argv);
    if (values.help || positionals.length === 0) {
      io.stdout.write(USAGE);
      return values.help ? 0 : 2;
    }
    const [command = '', ...args] = positionals;
    checkArity(command, args);
    if (command === 'doctor') return await runDoctor(doctorCommand(values, io.env), io);
    // An empty LONGRUNNING_URL is unset, as for doctor.
    const urlText = values.url ?? (io.env.LONGRUNNING_URL || undefined) ?? DEFAULT_URL;
    let url: URL;
    try {
      url = new URL(urlText);
    } catch {
      throw new UsageError(`--url must be an absolute URL, got "${urlText}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UsageError(`--url must be http or https, got "${urlText}"`);
    const sign = values['no-sign'] ? false : (values.sign ?? !isLocalUrl(url));
    if (command === 'console')
      return await runConsole(
        {
          url,
          sign,
          ...(values.region ? { region: values.region } : {}),
          ...(values.port ? { port: values.port } : {}),
        },
        io,
      );
    const client = new ApiClient({
      baseUrl: urlText,
      sign,
      ...(values.region ? { region: values.region } : {}),
      ...(io.fetchImpl ? { fetchImpl: io.fetchImpl } : {}),
    });
    return await execute(command, args, values, client, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`usage error: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof ApiCallError) {
      io.stderr.write(`error: ${err.code}: ${err.message}\n`);
      return 1;
    }
    io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

type Values = ReturnType<typeof parse>['values'];

/** doctor's options; $LONGRUNNING_URL stands in for --url unless --stack is given. */
function doctorCommand(values: Values, env: CliIo['env']): DoctorCommand {
  const url = values.url ?? (values.stack === undefined ? env.LONGRUNNING_URL || undefined : undefined);
  return {
    json: Boolean(values.json),
    ...(url !== undefined ? { url } : {}),
    ...(values.stack !== undefined ? { stack: values.stack } : {}),
    ...(values.region !== undefined ? { region: values.region } : {}),
    ...(values['no-sign'] ? { sign: false } : values.sign !== undefined ? { sign: values.sign } : {}),
  };
}

function parse(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function checkArity(command: string, args: string[]): void {
  if (command === 'start') {
    if (args.length !== 1) throw new UsageError('start takes exactly one workflow name');
  } else if (command === 'send-event') {
    if (args.length !== 2) throw new UsageError('send-event takes an execution id and an event type');
  } else if (command === 'fork' || command === 'rewind') {
    if (args.length !== 1)
      throw new UsageError(`${command} takes exactly one execution id and --${command === 'fork' ? 'from' : 'to'} N`);
  } else if (command === 'job') {
    if (args.length !== 1) throw new UsageError('job takes exactly one job id');
  } else if (ID_COMMANDS.has(command)) {
    if (args.length !== 1) throw new UsageError(`${command} takes exactly one execution id`);
  } else if (NO_ARG_COMMANDS.has(command)) {
    if (args.length !== 0) throw new UsageError(`${command} takes no arguments`);
  } else {
    throw new UsageError(`unknown command "${command}"`);
  }
  // An id goes into the request's path: one like "." or "" would name another route.
  if (command !== 'start' && args[0] !== undefined && !EXECUTION_ID_PATTERN.test(args[0]))
    throw new UsageError(`"${args[0]}" is not ${command === 'job' ? 'a job' : 'an execution'} id (${SAFE_ID_RULE})`);
}

function wholeNumber(raw: string, flag: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(raw)) throw new UsageError(`${flag} must be a whole number >= 1, got "${raw}"`);
  return Number(raw);
}

/** The API's page size bounds. */
const MAX_PAGE_LIMIT = 100;

function limitOf(values: Values): string | undefined {
  if (
    values.limit !== undefined &&
    (!/^[0-9]{1,3}$/.test(values.limit) || !(Number(values.limit) >= 1 && Number(values.limit) <= MAX_PAGE_LIMIT))
  )
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}, got "${values.limit}"`);
  return values.limit;
}

async function execute(command: string, args: string[], values: Values, client: ApiClient, io: CliIo): Promise<number> {
  const out = (json: unknown, human: () => string): number => {
    io.stdout.write(values.json ? `${JSON.stringify(json, null, 2)}\n` : human());
    return 0;
  };
  const id = encodeURIComponent(args[0] ?? '');
  switch (command) {
    case 'start': {
      const body = {
        workflow: args[0],
        ...(values.input !== undefined
          ? await inlineOrUploaded(client, await readJsonOption(values.input, '--input'), 'input', 'inputUpload')
          : {}),
        ...(values.name !== undefined ? { name: values.name } : {}),
        ...(values['idempotency-key'] !== undefined ? { idempotencyKey: values['idempotency-key'] } : {}),
        ...(values.steps !== undefined ? { steps: values.steps.split(',').map((s) => s.trim()) } : {}),
        ...(values['max-step-runs'] !== undefined
          ? { maxStepRuns: wholeNumber(values['max-step-runs'], '--max-step-runs') }
          : {}),
      };
      const view = (await client.request('POST', '/executions', body)) as View;
      return out(view, () => `started ${view.id} (${view.workflow}, ${view.totalSteps} steps): ${view.state}\n`);
    }
    case 'get': {
      const view = (await client.request('GET', `/executions/${id}`)) as View;
      return out(view, () => formatExecution(view));
    }
    case 'ls': {
      const page = (await client.request('GET', '/executions', undefined, {
        state: values.state,
        workflow: values.workflow,
        name: values.name,
        limit: limitOf(values),
        nextToken: values['next-token'],
      })) as { items: View[]; nextToken?: string };
      return out(page, () => formatList(page));
    }
    case 'checkpoints': {
      const page = (await client.request('GET', `/executions/${id}/checkpoints`, undefined, {
        limit: limitOf(values),
        nextToken: values['next-token'],
      })) as { items: CheckpointItem[]; nextToken?: string };
      return out(page, () => formatCheckpoints(page));
    }
    case 'pause':
    case 'resume':
    case 'cancel':
    case 'retry': {
      const view = (await client.request('POST', `/executions/${id}/${command}`)) as View;
      return out(view, () => `${view.id}: ${view.state}\n`);
    }
    case 'delete':
      await client.request('DELETE', `/executions/${id}`);
      return out({ deleted: args[0] }, () => `deleted ${args[0]}\n`);
    case 'workflows': {
      const list = (await client.request('GET', '/workflows')) as {
        items: { name: string; version?: string; steps: string[] }[];
      };
      return out(list, () => formatWorkflows(list.items));
    }
    case 'send-event': {
      const body = {
        type: args[1],
        ...(values.payload !== undefined ? { payload: await readJsonOption(values.payload, '--payload') } : {}),
        ...(values['event-id'] !== undefined ? { eventId: values['event-id'] } : {}),
      };
      const view = (await client.request('POST', `/executions/${id}/events`, body)) as View & { delivery: string };
      return out(view, () => `${view.id}: event ${args[1]} ${view.delivery}; ${view.state}\n`);
    }
    case 'fork':
    case 'rewind': {
      const result = await forkOrRewind(command, args[0] ?? '', values, client, io);
      return out(result.json, result.human);
    }
    case 'watch':
      return watchExecution(client, id, { json: Boolean(values.json), io });
    case 'check-deploy':
      if (values.workflows === undefined) throw new UsageError('check-deploy needs --workflows <module>');
      return runCheckDeploy(
        client,
        { workflows: values.workflows, json: Boolean(values.json), strict: Boolean(values.strict) },
        io,
      );
    case 'redrive':
    case 'bulk-cancel':
    case 'bulk-pause':
      return runBulk(command, values, client, io);
    case 'job':
      return runJob(args[0] ?? '', values, client, io);
    case 'budget':
      return runBudget(args[0] ?? '', values, client, io);
    case 'usage':
      return runUsage(values, client, io);
    case 'limits':
      return runLimits(Boolean(values.json), client, io);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}
