/** `longrunning doctor`: checks the machine (and, when asked, a deployed API) and says what to fix. */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { machineFacts, planEmulator } from '../../lib/local/emulator-plan.js';
import type { CliIo } from './cli-io.js';
import {
  credentialsCheck,
  emulatorCheck,
  nodeCheck,
  regionCheck,
  regionOf,
  type DoctorCheck,
  type DoctorProbes,
  type ResolvedCredentials,
} from './doctor-checks.js';
import { UsageError } from './options.js';
import { apiCheck, stackCheck } from './doctor-remote.js';

/** What `longrunning doctor` was asked for. */
export interface DoctorCommand {
  /** The API to check (`--url`, else $LONGRUNNING_URL); not with `stack`. */
  url?: string;
  /** The stack whose `ApiUrl` output names the API to check. */
  stack?: string;
  region?: string;
  json: boolean;
  /** `--sign` / `--no-sign`; default: sign unless the URL is local. */
  sign?: boolean;
}

/** The probes' defaults: this process, this machine, the default credential chain. */
export function defaultProbes(env: Readonly<Record<string, string | undefined>>): DoctorProbes {
  return {
    nodeVersion: process.versions.node,
    emulatorPlan: () => planEmulator(machineFacts(env, process.cwd())),
    credentials: defaultProvider(),
    timeoutMs: 5000,
  };
}

/** Runs the checks, prints them (or `{ ok, checks }` with `--json`); 1 when any failed, else 0. */
export async function runDoctor(command: DoctorCommand, io: CliIo): Promise<number> {
  const { url, stack } = validate(command);
  const probes: DoctorProbes = { ...defaultProbes(io.env), ...io.doctor };
  const fetchImpl = io.fetchImpl ?? fetch;
  const checks: DoctorCheck[] = [nodeCheck(probes.nodeVersion)];
  checks.push(await emulatorCheck(probes.emulatorPlan(), fetchImpl, probes.timeoutMs));
  checks.push(regionCheck(command.region, io.env));
  const resolved = await resolveCredentials(probes);
  checks.push(credentialsCheck(resolved, io.env));
  const creds = 'creds' in resolved ? resolved.creds : undefined;
  const region = regionOf(command.region, io.env);
  let apiUrl = url;
  if (stack !== undefined) {
    const found = await stackCheck(stack, region, creds, io.env, fetchImpl, probes.timeoutMs);
    checks.push(found.check);
    apiUrl = found.apiUrl;
  }
  if (apiUrl !== undefined)
    checks.push(
      await apiCheck(apiUrl, {
        sign: command.sign,
        region: command.region,
        fallbackRegion: regionOf(undefined, io.env),
        creds,
        fetchImpl,
        timeoutMs: probes.timeoutMs,
      }),
    );
  const ok = checks.every((c) => c.status !== 'fail');
  io.stdout.write(command.json ? `${JSON.stringify({ ok, checks }, null, 2)}\n` : formatChecks(checks));
  return ok ? 0 : 1;
}

/** One line per check, its fix indented below it, and a summary. */
export function formatChecks(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines = checks.map(
    (c) => `${c.status.padEnd(4)}  ${c.name.padEnd(width)}  ${c.detail}\n${c.fix ? indent(`fix: ${c.fix}`) : ''}`,
  );
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  const summary = failed
    ? `${failed} check${failed === 1 ? '' : 's'} failed`
    : `no check failed${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}`;
  return `${lines.join('')}${summary}\n`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `      ${line}\n`)
    .join('');
}

function validate(command: DoctorCommand): { url?: URL; stack?: string } {
  if (command.url !== undefined && command.stack !== undefined)
    throw new UsageError('doctor takes --url or --stack, not both');
  if (command.region !== undefined && !/^[a-z0-9-]+$/.test(command.region))
    throw new UsageError(`--region must be a region name like eu-west-1, got "${command.region}"`);
  if (command.stack !== undefined) {
    if (!/^([A-Za-z][A-Za-z0-9-]{0,127}|arn:aws[a-z-]*:cloudformation:\S+)$/.test(command.stack))
      throw new UsageError(`--stack must be a CloudFormation stack name or ARN, got "${command.stack}"`);
    return { stack: command.stack };
  }
  if (command.url === undefined) return {};
  let url: URL;
  try {
    url = new URL(command.url);
  } catch {
    throw new UsageError(`--url must be an absolute URL, got "${command.url}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--url must be http or https, got "${command.url}"`);
  return { url };
}

async function resolveCredentials(probes: DoctorProbes): Promise<{ creds: ResolvedCredentials } | { error: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`none within ${probes.timeoutMs} ms`)), probes.timeoutMs);
  });
  try {
    return { creds: await Promise.race([probes.credentials(), timeout]) };
  } catch (err) {
    return { error: (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? 'unknown' };
  } finally {
    clearTimeout(timer);
  }
}
