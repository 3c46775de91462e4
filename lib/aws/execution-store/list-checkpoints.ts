import type { Page, StoredCheckpoint } from '../../runtime/model.js';
import { encodePageToken, validateLimit } from '../../runtime/paging.js';
import { isSafeId } from '../../core/ids.js';
import { queryItems } from '../dynamodb/requests.js';
import type { TableContext } from '../dynamodb/table-context.js';
import { TableKeys, execPk } from '../schema/table-schema.js';
import { checkpointScope, decodeKey } from './index-keys.js';
import { itemToCheckpoint } from './items.js';

/** Checkpoints of `id`, newest first: one Query of its partition (`CP#` keys), read backwards. */
export async function listCheckpoints(
  ctx: TableContext,
  id: string,
  page: { limit: number; nextToken?: string },
): Promise<Page<StoredCheckpoint>> {
  validateLimit(page.limit);
  const scope = checkpointScope(id);
  const start = page.nextToken === undefined ? undefined : decodeKey(page.nextToken, scope);
  if (!isSafeId(id)) return { items: [] };
  const { items } = await queryItems(
    ctx,
    {
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :cp)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': execPk(id), ':cp': TableKeys.checkpointPrefix },
      ScanIndexForward: false,
      ExclusiveStartKey: start,
    },
    page.limit + 1,
  );
  const shown = items.slice(0, page.limit);
  const last = shown.at(-1);
  const checkpoints = shown.map(itemToCheckpoint);
  return items.length > page.limit && last
    ? { items: checkpoints, nextToken: encodePageToken(scope.scope, { pk: last['pk'], sk: last['sk'] }) }
    : { items: checkpoints };
}
