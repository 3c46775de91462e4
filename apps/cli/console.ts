import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { locateConsole, type ConsoleAssets } from '../console/console-assets.js';
import { startConsoleProxy } from '../console/console-proxy.js';
import { signingRegion, sigV4Signer, type RequestSigner } from '../shared/sigv4.js';
import type { CliIo } from './cli-io.js';
import { UsageError } from './options.js';

/** What `longrunning console` was asked for. */
export interface ConsoleCommand {
  url: URL;
  sign: boolean;
  region?: string;
  /** The `--port` option as typed; default 0 (a free port). */
  port?: string;
}

/** Finds (or builds) the console's files; injectable for tests. */
export type ConsoleLocator = () => Promise<ConsoleAssets>;

/**
 * `longrunning console`: starts the console proxy on 127.0.0.1, prints the URL to
 * open (with its token) and runs until SIGINT or SIGTERM (or `io.untilStopped`).
 * When signing, the region and the AWS credentials are checked before it starts,
 * so a missing profile shows here rather than as failed requests in the browser.
 */
export async function runConsole(
  command: ConsoleCommand,
  io: CliIo,
  locate: ConsoleLocator = locateConsole,
): Promise<number> {
  const port = portOf(command.port);
  let signer: RequestSigner | undefined;
  let region: string | undefined;
  if (command.sign) {
    region = signingRegion(command.url, command.region, io.env.AWS_REGION);
    const credentials = defaultProvider();
    try {
      await credentials();
    } catch (err) {
      throw new Error(`no AWS credentials to sign with: ${err instanceof Error ? err.message : String(err)}`);
    }
    signer = sigV4Signer({ region, credentials });
  }
  const assets = await locate();
  try {
    const proxy = await startConsoleProxy({
      upstream: command.url,
      sign: command.sign,
      ...(region ? { region } : {}),
      ...(signer ? { signer } : {}),
      port,
      ...(assets.dir !== undefined ? { staticDir: assets.dir } : {}),
      ...(io.fetchImpl ? { fetchImpl: io.fetchImpl } : {}),
    });
    try {
      const how = command.sign ? `signed with SigV4 for ${region ?? ''}` : 'unsigned';
      io.stdout.write(
        `console proxy: /api/* -> ${command.url.href} (${how})\n` +
          `${describeAssets(assets)}\n` +
          `open ${proxy.url}\n` +
          `the URL carries a secret token: do not share it. Ctrl-C stops the proxy.\n`,
      );
      await (io.untilStopped ?? untilSignal)();
    } finally {
      await proxy.close();
    }
  } finally {
    await assets.dispose();
  }
  return 0;
}

function describeAssets(assets: ConsoleAssets): string {
  if (assets.origin === 'prebuilt') return `console UI: ${assets.dir ?? ''}`;
  if (assets.origin === 'built') return 'console UI: built from source into a temporary directory';
  return `console UI: not available (${assets.reason ?? 'not built'}); /console shows where /api/* goes`;
}

function portOf(raw: string | undefined): number {
  if (raw === undefined) return 0;
  if (!/^[0-9]{1,5}$/.test(raw) || Number(raw) > 65535)
    throw new UsageError(`--port must be a port number 0..65535, got "${raw}"`);
  return Number(raw);
}

function untilSignal(): Promise<void> {
  return new Promise((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
