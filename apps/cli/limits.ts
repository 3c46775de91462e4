/** `longrunning limits`: every limit key and its use. */
import type { ApiClient } from './api-client.js';
import type { CliIo } from './cli-io.js';
import type { LimitUse } from '../../lib/index.js';

/** One line per key: `openai  3/5 in use  2 waiting  perSecond 4 tokens`. */
export function formatLimits(items: readonly LimitUse[]): string {
  if (items.length === 0) return 'no limit keys yet\n';
  return items
    .map((u) => {
      const parts = [u.key, u.limit === undefined ? `${u.inUse} in use` : `${u.inUse}/${u.limit} in use`];
      parts.push(`${u.waiting} waiting`);
      for (const [bound, tokens] of Object.entries(u.tokens ?? {})) parts.push(`${bound} ${tokens} tokens`);
      return `${parts.join('  ')}\n`;
    })
    .join('');
}

/** Lists the limit keys (`GET /limits`). */
export async function runLimits(json: boolean, client: ApiClient, io: CliIo): Promise<number> {
  const list = (await client.request('GET', '/limits')) as { items: LimitUse[] };
  io.stdout.write(json ? `${JSON.stringify(list, null, 2)}\n` : formatLimits(list.items));
  return 0;
}
