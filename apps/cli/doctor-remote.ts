/** The remote checks of `longrunning doctor`: a stack's `ApiUrl` output, and the API answering this caller. */
import { partitionOf, signingRegion, sigV4Signer } from '../shared/sigv4.js';
import { isLocalUrl } from './api-client.js';
import { CREDENTIALS_FIX, reasonOf, type DoctorCheck, type ResolvedCredentials } from './doctor-checks.js';
import { lookUpStackApiUrl } from './stack-api-url.js';

/** The resolved credentials as static ones to sign with (no `$source`). */
export function staticCredentials(creds: ResolvedCredentials) {
  return {
    accessKeyId: creds.accessKeyId,
    secretAccessKey: creds.secretAccessKey,
    ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
  };
}

/** DescribeStacks of `stack`: ok with its ApiUrl, or a failure naming what is wrong. */
export async function stackCheck(
  stack: string,
  region: string | undefined,
  creds: ResolvedCredentials | undefined,
  env: Readonly<Record<string, string | undefined>>,
  fetchImpl: typeof fetch,
  timeoutMs: number,
): Promise<{ check: DoctorCheck; apiUrl?: URL }> {
  const fail = (detail: string, fix: string) => ({ check: { name: 'stack', status: 'fail', detail, fix } as const });
  if (!region) return fail(`cannot tell the region of stack ${stack}`, 'pass --region or export AWS_REGION');
  if (!creds) return fail(`no AWS credentials to look up stack ${stack} with`, CREDENTIALS_FIX);
  let found;
  try {
    found = await lookUpStackApiUrl({
      stack,
      region,
      credentials: staticCredentials(creds),
      env,
      fetchImpl,
      timeoutMs,
    });
  } catch (err) {
    return fail(`CloudFormation did not answer: ${reasonOf(err, timeoutMs)}`, 'check the network (or the endpoint)');
  }
  switch (found.kind) {
    case 'missing':
      return fail(
        `no stack ${stack} in ${region}`,
        'check the name and the region (`aws cloudformation list-stacks`), or deploy it: npx cdk deploy',
      );
    case 'error':
      return fail(
        `CloudFormation refused DescribeStacks of ${stack}: ${found.code}: ${found.message}`,
        /denied|unauthori[sz]ed|forbidden/i.test(found.code)
          ? 'the caller needs cloudformation:DescribeStacks on the stack'
          : CREDENTIALS_FIX,
      );
    case 'no-api':
      return fail(
        `stack ${stack} (${found.status}) has no ApiUrl output`,
        'the stack was deployed without the API (emulatorCompat, -c longrunning:emulatorCompat=true?), or is not a longrunning stack',
      );
    case 'found': {
      let apiUrl: URL;
      try {
        apiUrl = new URL(found.apiUrl);
      } catch {
        return fail(`stack ${stack}'s ApiUrl output is not a URL: "${found.apiUrl}"`, 'redeploy the stack');
      }
      return {
        check: { name: 'stack', status: 'ok', detail: `${stack} (${found.status}): ApiUrl ${apiUrl.href}` },
        apiUrl,
      };
    }
  }
}

/** Options of {@link apiCheck}. */
export interface ApiCheckOptions {
  sign: boolean | undefined;
  /** `--region`: wins over the region in an execute-api host name. */
  region: string | undefined;
  /** The region when neither `--region` nor the host name tells (AWS_REGION, AWS_DEFAULT_REGION). */
  fallbackRegion: string | undefined;
  creds: ResolvedCredentials | undefined;
  fetchImpl: typeof fetch;
  timeoutMs: number;
}

/** GET /workflows, signed unless the URL is local: does the API answer, and does it let this caller in? */
export async function apiCheck(base: URL, o: ApiCheckOptions): Promise<DoctorCheck> {
  const name = 'api';
  const url = new URL(`${base.pathname.replace(/\/$/, '')}/workflows`, base);
  const sign = o.sign ?? !isLocalUrl(base);
  let headers: Record<string, string> = { host: url.host, accept: 'application/json' };
  let region: string | undefined;
  if (sign) {
    try {
      region = signingRegion(url, o.region, o.fallbackRegion);
    } catch {
      const detail = `cannot tell the region to sign requests to ${base.href} for`;
      return { name, status: 'fail', detail, fix: 'pass --region or export AWS_REGION' };
    }
    if (!o.creds) return { name, status: 'fail', detail: 'no AWS credentials to sign with', fix: CREDENTIALS_FIX };
    headers = await sigV4Signer({ region, credentials: staticCredentials(o.creds) })({ method: 'GET', url, headers });
  }
  const { host: _host, ...sent } = headers;
  let res: Response;
  try {
    res = await o.fetchImpl(url, { method: 'GET', headers: sent, signal: AbortSignal.timeout(o.timeoutMs) });
    await res.body?.cancel();
  } catch (err) {
    const detail = `no answer from ${url.href}: ${reasonOf(err, o.timeoutMs)}`;
    return { name, status: 'fail', detail, fix: 'check the URL (the stack output ApiUrl) and the network' };
  }
  if (res.status === 200)
    return sign
      ? { name, status: 'ok', detail: `API answers and you are authorised (GET ${url.href}: 200)` }
      : { name, status: 'ok', detail: `API answers (GET ${url.href}: 200, unsigned)` };
  if (res.status === 401 || res.status === 403)
    return {
      name,
      status: 'fail',
      detail: sign
        ? `the API refused the signed request (HTTP ${res.status})`
        : `the API refused the unsigned request (HTTP ${res.status})`,
      fix: sign
        ? `the caller needs execute-api:Invoke on ${invokeArn(url, region)}: are these the account and role you meant (AWS_PROFILE)?`
        : 'sign it: pass --sign (the API is IAM-authorised)',
    };
  const fix =
    res.status === 404
      ? 'check the URL: the API base URL is the stack output ApiUrl'
      : 'look at the API function: its logs in CloudWatch';
  return { name, status: 'fail', detail: `GET ${url.href} answered HTTP ${res.status} ${res.statusText}`.trim(), fix };
}

function invokeArn(url: URL, region: string | undefined): string {
  const apiId = /^([a-z0-9]+)\.execute-api\./.exec(url.hostname)?.[1] ?? '<api-id>';
  const partition = region === undefined ? 'aws' : partitionOf(region);
  return `arn:${partition}:execute-api:${region ?? '<region>'}:<account>:${apiId}/*`;
}
