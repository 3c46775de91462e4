/**
 * A stack's `ApiUrl` output, read with CloudFormation's Query API (DescribeStacks):
 * one form-encoded POST signed with the CLI's SigV4 signer, so the CLI needs no
 * CloudFormation client.
 */
import { sigV4Signer, type SigningCredentials } from '../shared/sigv4.js';

/** What DescribeStacks said about the stack. */
export type StackLookup =
  | { kind: 'found'; apiUrl: string; status: string }
  | { kind: 'no-api'; status: string }
  | { kind: 'missing' }
  | { kind: 'error'; code: string; message: string };

/** Options of {@link lookUpStackApiUrl}. */
export interface StackLookupOptions {
  stack: string;
  region: string;
  credentials: SigningCredentials;
  env: Readonly<Record<string, string | undefined>>;
  fetchImpl: typeof fetch;
  timeoutMs: number;
}

/** CloudFormation's endpoint: AWS_ENDPOINT_URL_CLOUDFORMATION, else AWS_ENDPOINT_URL, else the region's. */
export function cloudFormationEndpoint(region: string, env: Readonly<Record<string, string | undefined>>): URL {
  const given = env['AWS_ENDPOINT_URL_CLOUDFORMATION']?.trim() || env['AWS_ENDPOINT_URL']?.trim();
  return new URL(given || `https://cloudformation.${region}.amazonaws.com/`);
}

/** Calls DescribeStacks for `stack`; rejects only when nothing answers. */
export async function lookUpStackApiUrl(o: StackLookupOptions): Promise<StackLookup> {
  const url = cloudFormationEndpoint(o.region, o.env);
  const body = new URLSearchParams({ Action: 'DescribeStacks', StackName: o.stack, Version: '2010-05-15' }).toString();
  const sign = sigV4Signer({ region: o.region, credentials: o.credentials, service: 'cloudformation' });
  const headers = await sign({
    method: 'POST',
    url,
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  const { host: _host, ...sent } = headers;
  const res = await o.fetchImpl(url, { method: 'POST', headers: sent, body, signal: AbortSignal.timeout(o.timeoutMs) });
  return parseDescribeStacks(res.status, await res.text());
}

/** Reads DescribeStacks' XML answer (or its error) as far as `doctor` needs it. */
export function parseDescribeStacks(status: number, xml: string): StackLookup {
  if (status < 200 || status >= 300) {
    const code = textOf(xml, 'Code') ?? `HTTP_${status}`;
    const message = textOf(xml, 'Message') ?? xml.slice(0, 200);
    if (code === 'ValidationError' && /does not exist/i.test(message)) return { kind: 'missing' };
    return { kind: 'error', code, message };
  }
  if (!/<StackName>/.test(xml)) return { kind: 'missing' };
  const stackStatus = textOf(xml, 'StackStatus') ?? 'UNKNOWN';
  for (const member of xml.match(/<member>(?:(?!<member>)[\s\S])*?<\/member>/g) ?? []) {
    if (textOf(member, 'OutputKey') !== 'ApiUrl') continue;
    const apiUrl = textOf(member, 'OutputValue');
    if (apiUrl) return { kind: 'found', apiUrl, status: stackStatus };
  }
  return { kind: 'no-api', status: stackStatus };
}

function textOf(xml: string, tag: string): string | undefined {
  const raw = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
  if (raw === undefined) return undefined;
  return raw
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
