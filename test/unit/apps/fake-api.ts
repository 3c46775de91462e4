import { runCli, type CliIo } from '../../../apps/cli/main.js';

/** One request the CLI sent to the fake API. */
export interface Sent {
  method: string;
  url: string;
  body: string | undefined;
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
  const sent: Sent[] = [];
  const fetchImpl = (async (input: URL | string, init?: RequestInit) => {
    const req: Sent = { method: init?.method ?? 'GET', url: String(input), body: init?.body as string | undefined };
    sent.push(req);
    const { status, body } = respond(req);
    return new Response(body === undefined ? null : JSON.stringify(body), { status });
  }) as typeof fetch;
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (out += t) },
    stderr: { write: (t: string) => (err += t) },
    env: {},
    fetchImpl,
    ...io,
  });
  return { code, out, err, sent };
}
