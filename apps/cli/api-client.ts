import { signingRegion, sigV4Signer, type RequestSigner } from '../shared/sigv4.js';

export { regionOfHost } from '../shared/sigv4.js';

/** An error the API answered with: its status, code and message. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiCallError';
  }
}

/** Options of {@link ApiClient}. */
export interface ApiClientOptions {
  baseUrl: string;
  /** Sign requests with SigV4 (IAM-authorised API). */
  sign: boolean;
  /** Region for signing; read from an execute-api host name when absent. */
  region?: string;
  fetchImpl?: typeof fetch;
}

/** True for a URL on this machine (the local dev server), which is never signed. */
export function isLocalUrl(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/** A small client of the longrunning HTTP API; signs with the default AWS credential chain when asked. */
export class ApiClient {
  readonly #base: URL;
  readonly #o: ApiClientOptions;
  #signer: RequestSigner | undefined;

  constructor(options: ApiClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new Error(`--url must be an absolute http(s) URL, got "${options.baseUrl}"`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new Error(`--url must be http or https, got "${options.baseUrl}"`);
    this.#base = base;
    this.#o = options;
  }

  /** Sends one request; resolves with the parsed JSON (undefined for 204), rejects with {@link ApiCallError}. */
  async request(
    method: string,
    path: string,
    body?: unknown,
    query: Record<string, string | undefined> = {},
  ): Promise<unknown> {
    const url = new URL(this.#base.pathname.replace(/\/$/, '') + path, this.#base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    const text = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = {
      host: url.host,
      accept: 'application/json',
      ...(text ? { 'content-type': 'application/json' } : {}),
    };
    if (this.#o.sign) headers = await this.#sign(method, url, headers, text);
    const { host: _host, ...sent } = headers;
    const res = await (this.#o.fetchImpl ?? fetch)(url, { method, headers: sent, ...(text ? { body: text } : {}) });
    const raw = await res.text();
    const parsed = raw ? safeJson(raw) : undefined;
    if (!res.ok) {
      const err = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiCallError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? (raw || res.statusText));
    }
    return parsed;
  }

  /**
   * PUTs `text` (JSON) to a presigned URL, unsigned: the URL carries its own
   * authorisation. Rejects with {@link ApiCallError} on an error answer; its
   * message names `what` was uploaded.
   */
  async upload(url: string, text: string, what = 'the input'): Promise<void> {
    const res = await (this.#o.fetchImpl ?? fetch)(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: text,
    });
    if (!res.ok) {
      const raw = await res.text();
      const code = /<Code>([^<]*)<\/Code>/.exec(raw)?.[1];
      throw new ApiCallError(
        res.status,
        code ?? `HTTP_${res.status}`,
        `uploading ${what} failed: ${raw || res.statusText}`,
      );
    }
  }

  /**
   * GETs a presigned URL (an offloaded state's link), unsigned, and resolves with
   * the body's text. Rejects with {@link ApiCallError} on an error answer.
   */
  async download(url: string): Promise<string> {
    const res = await (this.#o.fetchImpl ?? fetch)(url, { method: 'GET' });
    const raw = await res.text();
    if (!res.ok) {
      const code = /<Code>([^<]*)<\/Code>/.exec(raw)?.[1];
      throw new ApiCallError(
        res.status,
        code ?? `HTTP_${res.status}`,
        `reading ${url.split('?')[0] ?? url} failed: ${raw || res.statusText}`,
      );
    }
    return raw;
  }

  async #sign(
    method: string,
    url: URL,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<Record<string, string>> {
    this.#signer ??= sigV4Signer({ region: signingRegion(url, this.#o.region, process.env.AWS_REGION) });
    return this.#signer({ method, url, headers, ...(body ? { body } : {}) });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
