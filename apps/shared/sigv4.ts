import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { defaultProvider } from '@aws-sdk/credential-provider-node';

/** What SigV4 signs: a request's method, URL, headers (with `host`) and body. */
export interface SignableRequest {
  method: string;
  url: URL;
  /** The headers to sign; must include `host`. */
  headers: Record<string, string>;
  body?: string;
}

/** Signs a request: resolves with its headers plus `authorization`, `x-amz-date` (and a session token). */
export type RequestSigner = (request: SignableRequest) => Promise<Record<string, string>>;

/** The credentials SigV4 signs with: static ones, or a provider of them. */
export type SigningCredentials = NonNullable<ConstructorParameters<typeof SignatureV4>[0]>['credentials'];

/** Options of {@link sigV4Signer}. */
export interface SigV4SignerOptions {
  region: string;
  /** Default: the default AWS credential chain (environment, profile, SSO, instance role…). */
  credentials?: SigningCredentials;
  /** Default `execute-api` (API Gateway). */
  service?: string;
}

/** The execute-api region in a host name like `abc123.execute-api.eu-west-1.amazonaws.com`. */
export function regionOfHost(host: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}

/** The AWS partition of `region`, as ARNs name it: `aws-cn` for China, `aws-us-gov` for GovCloud, else `aws`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * The region to sign requests to `url` for: `region` when given, else the one in an
 * execute-api host name, else `fallback` (typically `$AWS_REGION`). Throws when none.
 */
export function signingRegion(url: URL, region?: string, fallback?: string): string {
  const found = region ?? regionOfHost(url.hostname) ?? fallback;
  if (!found) throw new Error('cannot tell the region to sign for: set AWS_REGION or pass --region');
  return found;
}

/** A SigV4 signer for API Gateway (`execute-api`), shared by the CLI's client and the console proxy. */
export function sigV4Signer(options: SigV4SignerOptions): RequestSigner {
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: Hash.bind(null, 'sha256'),
  });
  return async ({ method, url, headers, body }) => {
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers,
      ...(body ? { body } : {}),
    });
    return signed.headers;
  };
}
