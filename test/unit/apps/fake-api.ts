import { runCli, type CliIo } from '../../../apps/cli/main.js';

/** One request the CLI sent to the fake API. */
export interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/**
 * A `fetch` that records each request into `sent` and answers it with `answer`'s
 * response (or rejects with its error, as a network failure would).
 */
export function recordingFetch(answer: (req: Sent) => Response | Error): { sent: Sent[]; fetchImpl: typeof fetch } {
  const sent: Sent[] = [];
  const fetchImpl = (async (input: URL | string, init?: RequestInit) => {
    const req: Sent = {
      method: init?.method ?? 'GET',
      url: String(input),
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: init?.body as string | undefined,
    };
    sent.push(req);
    const response = answer(req);
    if (response instanceof Error) throw response;
    return response;
  }) as typeof fetch;
  return { sent, fetchImpl };
}

/** A JSON response with `status`, as the API answers. */
export function jsonAnswer(status: number, body?: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status });
}

/** How the fake API answers a request: a status and a JSON body. */
export type Respond = (req: Sent) => { status: number; body?: unknown };

/**
 * Runs the CLI with `argv` against a fake API answering with `respond`, and with
 * `io` added to its I/O (clock, sleep, editor); collects what it printed and sent.
 */
export async function runAgainstFakeApi(
  argv: string[],
  respond: Respond,
  io: Partial<Omit<CliIo, 'stdout' | 'stderr' | 'env' | 'fetchImpl'>> = {},
): Promise<{ code: number; out: string; err: string; sent: Sent[] }> {
  let out = '';
  let err = '';
  const { sent, fetchImpl } = recordingFetch((req) => {
    const { status, body } = respond(req);
    return jsonAnswer(status, body);
  });
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env: {},
    fetchImpl,
    ...io,
  });
  return { code, out, err, sent };
}
