import type { Page, StoredCheckpoint } from '../../runtime/model.js';
import { encodePageToken, validateLimit } from '../../runtime/paging.js';
import { isSafeId } from '../../core/ids.js';
import { queryItems } from '../dynamodb/requests.js';
import type { Item, TableContext } from '../dynamodb/table-context.js';
import { TableKeys, execPk } from '../schema/table-schema.js';
import { checkpointScope, decodeKey } from './index-keys.js';
import { itemToCheckpoint, itemToHead } from './items.js';

/**
 * Checkpoints of `id`, newest first: one Query of its partition, read backwards.
 * The first page reads the head with them (its key sorts after every `CP#` key) and
 * leaves out a checkpoint beyond the head's `stepRuns`: one put by a commit whose
 * head update did not land (see writeOverBase), which only ever sits above the
 * committed ones, so later pages need no head.
 */
export async function listCheckpoints(
  ctx: TableContext,
  id: string,
  page: { limit: number; nextToken?: string },
): Promise<Page<StoredCheckpoint>> {
  validateLimit(page.limit);
  const scope = checkpointScope(id);
  const start = page.nextToken === undefined ? undefined : decodeKey(page.nextToken, scope);
  if (!isSafeId(id)) return { items: [] };
  const first = start === undefined;
  const { items } = await queryItems(
    ctx,
    first
      ? {
          // `CP#…` < `HEAD` < `SEEN#…`: the head and the checkpoints, not the event records.
          KeyConditionExpression: '#pk = :pk AND #sk <= :head',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': execPk(id), ':head': TableKeys.headSk },
          ScanIndexForward: false,
        }
      : {
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :cp)',
          ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
          ExpressionAttributeValues: { ':pk': execPk(id), ':cp': TableKeys.checkpointPrefix },
          ScanIndexForward: false,
          ExclusiveStartKey: start,
        },
    // The first page also holds the head and at most one uncommitted checkpoint.
    page.limit + (first ? 3 : 1),
  );
  const committed = first ? withoutUncommitted(items) : items;
  const shown = committed.slice(0, page.limit);
  const last = shown.at(-1);
  const checkpoints = shown.map(itemToCheckpoint);
  return committed.length > page.limit && last
    ? { items: checkpoints, nextToken: encodePageToken(scope.scope, { pk: last['pk'], sk: last['sk'] }) }
    : { items: checkpoints };
}

/** The checkpoint items of a partition read from its head down, without those past the head's `stepRuns`. */
function withoutUncommitted(items: Item[]): Item[] {
  const headItem = items.find((item) => item['sk'] === TableKeys.headSk);
  const stepRuns = headItem === undefined ? Infinity : itemToHead(headItem).stepRuns;
  return items.filter(
    (item) => String(item['sk']).startsWith(TableKeys.checkpointPrefix) && itemToCheckpoint(item).seq <= stepRuns,
  );
}
