import { StoredStateRef } from '../../lib/index.js';

/** Makes a URL to read an offloaded state (a presigned S3 GET in the deployed API). */
export type StateLinker = (ref: StoredStateRef) => Promise<string | undefined>;

/** How long a state link stays valid: 15 minutes. */
export const STATE_LINK_SECONDS = 900;

const STATE_FIELDS = ['data', 'output', 'state'] as const;

/**
 * The response body with each offloaded state (a {@link StoredStateRef} in `data`,
 * `output` or `state`, of the body or of its `items`) shown as its reference plus a
 * `url` to read it: a state above the table threshold can be far larger than an API
 * response may be (6 MB), so the API never inlines it. Without a linker, a reference
 * is shown as it is stored.
 */
export async function linkStates<T extends object>(body: T, link: StateLinker | undefined): Promise<T> {
  if (link === undefined) return body;
  const fix = async (view: Record<string, unknown>): Promise<void> => {
    for (const field of STATE_FIELDS) {
      const value = view[field];
      if (value instanceof StoredStateRef) {
        const { key, bytes, sha256 } = value;
        const url = await link(value);
        if (url !== undefined) view[field] = { $longrunningState: { key, bytes, sha256, url } };
      }
    }
  };
  const record = body as Record<string, unknown>;
  await fix(record);
  if (Array.isArray(record['items'])) {
    for (const item of record['items'] as unknown[]) {
      if (typeof item === 'object' && item !== null) await fix(item as Record<string, unknown>);
    }
  }
  return body;
}
