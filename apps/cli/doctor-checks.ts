/** The machine checks of `longrunning doctor`: Node, the local emulator, the region, the credentials. */
import { MIN_PYTHON, type EmulatorPlan } from '../../lib/local/emulator-plan.js';

/** One check's outcome: `fix` says what to do, for a warned or failed check. */
export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/** AWS credentials as the default chain resolves them; `$source` names the providers that did. */
export interface ResolvedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  expiration?: Date | undefined;
  $source?: Readonly<Record<string, unknown>> | undefined;
}

/** What `doctor` reads of the machine; injectable for tests (`CliIo.doctor`). */
export interface DoctorProbes {
  /** The Node version, like `22.11.0` (default `process.versions.node`). */
  nodeVersion: string;
  /** The local emulator's plan (default: `planEmulator(machineFacts(env, cwd))`). */
  emulatorPlan: () => EmulatorPlan;
  /** Resolves AWS credentials (default: the SDK's default chain). */
  credentials: () => Promise<ResolvedCredentials>;
  /** How long a probe (emulator, CloudFormation, the API) may take, in ms. */
  timeoutMs: number;
}

/** The fix for missing or refused credentials. */
export const CREDENTIALS_FIX = 'run `aws configure` or `aws sso login`, or export AWS_PROFILE=<a profile>';

/** Node 20.9 or newer; 20 and 21 warn that SDK releases after January 2027 need Node 22. */
export function nodeCheck(version: string): DoctorCheck {
  const [major = 0, minor = 0] = version
    .replace(/^v/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10) || 0);
  const detail = `Node ${version.replace(/^v/, '')}`;
  if (major < 20 || (major === 20 && minor < 9))
    return { name: 'node', status: 'fail', detail: `${detail}: too old`, fix: 'install Node 20.9 or newer' };
  if (major < 22)
    return {
      name: 'node',
      status: 'warn',
      detail:
        `${detail}: AWS SDK for JavaScript releases after January 2027 need Node 22 ` +
        '(this project pins an SDK that supports Node 20)',
      fix: 'upgrade to Node 22 or newer',
    };
  return { name: 'node', status: 'ok', detail };
}

/** The emulator local runs would use; an `AWS_ENDPOINT_URL` is probed with `fetchImpl`. */
export async function emulatorCheck(
  plan: EmulatorPlan,
  fetchImpl: typeof fetch,
  timeoutMs: number,
): Promise<DoctorCheck> {
  const name = 'emulator';
  switch (plan.kind) {
    case 'endpoint': {
      const fix = 'set AWS_ENDPOINT_URL to a URL such as http://localhost:4566, or unset it';
      let url: URL;
      try {
        url = new URL(plan.endpoint);
      } catch {
        return { name, status: 'fail', detail: `AWS_ENDPOINT_URL is not a URL: "${plan.endpoint}"`, fix };
      }
      try {
        const res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
        await res.body?.cancel();
        return { name, status: 'ok', detail: `AWS_ENDPOINT_URL ${plan.endpoint} answers (HTTP ${res.status})` };
      } catch (err) {
        return {
          name,
          status: 'fail',
          detail: `nothing answers at ${plan.endpoint} (AWS_ENDPOINT_URL): ${reasonOf(err, timeoutMs)}`,
          fix: 'start LocalStack or unset AWS_ENDPOINT_URL',
        };
      }
    }
    case 'path':
      return { name, status: 'ok', detail: `moto_server on PATH: ${plan.command}` };
    case 'venv':
      return { name, status: 'ok', detail: `the project's moto: ${plan.command}` };
    case 'create':
      return {
        name,
        status: 'ok',
        detail:
          `will be set up on first run in .cache/moto with Python ${plan.pythonVersion} at ${plan.python} ` +
          '(about 30 s, needs network to PyPI)',
      };
    case 'missing':
      return {
        name,
        status: 'fail',
        detail: `no AWS emulator, and no Python ${MIN_PYTHON.join('.')} or newer to set one up`,
        fix: plan.message,
      };
  }
}

/**
 * The region the other commands would use: `--region`, else AWS_REGION. Not
 * AWS_DEFAULT_REGION, which they do not read either, so that doctor's API check
 * passes only where `longrunning ls` would.
 */
export function regionOf(flag: string | undefined, env: Readonly<Record<string, string | undefined>>) {
  return flag || env['AWS_REGION'] || undefined;
}

/** Which region deployed commands sign for; none is a warning (local runs use us-east-1). */
export function regionCheck(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): DoctorCheck {
  const name = 'region';
  if (flag) return { name, status: 'ok', detail: `${flag} (from --region)` };
  if (env['AWS_REGION']) return { name, status: 'ok', detail: `${env['AWS_REGION']} (from AWS_REGION)` };
  const fallback = env['AWS_DEFAULT_REGION'];
  if (fallback)
    return {
      name,
      status: 'warn',
      detail: `${fallback} from AWS_DEFAULT_REGION only, which this CLI and the AWS SDK for JavaScript do not read`,
      fix: `export AWS_REGION=${fallback}`,
    };
  return {
    name,
    status: 'warn',
    detail: 'no region set: local runs use us-east-1; deployed commands need one',
    fix: 'export AWS_REGION=<region>, or pass --region',
  };
}

/** An access key id with all but its kind (first 4) and last 4 characters hidden: `AKIA…WXYZ`. */
export function maskKeyId(id: string): string {
  return id.length >= 12 ? `${id.slice(0, 4)}…${id.slice(-4)}` : `…${id.slice(-4)}`;
}

/** Where the default chain found the credentials, as far as can be told. */
export function credentialSource(
  creds: ResolvedCredentials,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const features = Object.keys(creds.$source ?? {});
  const profile = `profile ${env['AWS_PROFILE'] ?? 'default'}`;
  const has = (prefix: string) => features.some((f) => f.startsWith(prefix));
  if (has('CREDENTIALS_ENV_VARS_STS_WEB_ID_TOKEN')) return 'a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)';
  if (has('CREDENTIALS_ENV_VARS')) return 'environment variables (AWS_ACCESS_KEY_ID)';
  if (has('CREDENTIALS_PROFILE_SSO') || has('CREDENTIALS_SSO')) return `SSO (${profile})`;
  if (has('CREDENTIALS_PROFILE')) return profile;
  if (has('CREDENTIALS_HTTP')) return 'the container role';
  if (has('CREDENTIALS_IMDS')) return 'the instance role (EC2 metadata)';
  if (env['AWS_ACCESS_KEY_ID']) return 'environment variables (AWS_ACCESS_KEY_ID)';
  if (env['AWS_PROFILE']) return profile;
  return 'the default credential chain';
}

/** The credentials check: their source and masked key id, never the secret or the session token. */
export function credentialsCheck(
  result: { creds: ResolvedCredentials } | { error: string },
  env: Readonly<Record<string, string | undefined>>,
): DoctorCheck {
  const name = 'credentials';
  if ('error' in result)
    return {
      name,
      status: 'warn',
      detail: `no AWS credentials (${result.error}): local runs use dummy keys; deployed commands need credentials`,
      fix: CREDENTIALS_FIX,
    };
  const { creds } = result;
  const temporary = creds.sessionToken
    ? `, temporary${creds.expiration ? ` until ${creds.expiration.toISOString()}` : ''}`
    : '';
  return {
    name,
    status: 'ok',
    detail: `from ${credentialSource(creds, env)}: access key ${maskKeyId(creds.accessKeyId)}${temporary}`,
  };
}

/** Why a fetch failed, in a few words (a timeout, or the socket error's code). */
export function reasonOf(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  const known: Record<string, string> = {
    ENOTFOUND: 'no such host (ENOTFOUND)',
    ECONNREFUSED: 'connection refused (ECONNREFUSED)',
    ECONNRESET: 'connection reset (ECONNRESET)',
  };
  if (cause?.code) return known[cause.code] ?? cause.code;
  const text = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return text.split('\n')[0] ?? text;
}
