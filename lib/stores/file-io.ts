import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, LongRunningError, toError } from '../core/errors.js';
import { newSequentialId } from '../core/ids.js';

/** Error codes of the file system that may clear up if the operation is tried again. */
const TRANSIENT = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EINTR']);

/** The `code` of a Node.js system error (`ENOENT`, `EACCES`...), if it has one. */
export function errnoCode(thrown: unknown): string | undefined {
  if (typeof thrown !== 'object' || thrown === null || !('code' in thrown)) return undefined;
  return typeof thrown.code === 'string' ? thrown.code : undefined;
}

/** A file system failure as a `STORE_UNAVAILABLE` error, retryable when the cause is transient. */
export function storeUnavailable(message: string, thrown: unknown): LongRunningError {
  const code = errnoCode(thrown);
  return new LongRunningError(ErrorCode.StoreUnavailable, `${message}: ${toError(thrown).message}`, {
    cause: thrown,
    retryable: code !== undefined && TRANSIENT.has(code),
    details: code === undefined ? {} : { errno: code },
  });
}

/**
 * Writes `<dir>/<id>.json` atomically: writes a unique `.<id>.<unique>.tmp` in the
 * same directory (so the rename stays on one file system), flushes it to disk, then
 * renames it over the target. The temporary file is removed if anything fails.
 */
export async function writeFileAtomic(dir: string, id: string, text: string): Promise<void> {
  const target = join(dir, `${id}.json`);
  const temp = join(dir, `.${id}.${newSequentialId('w')}.tmp`);
  try {
    await writeSyncRename(temp, target, text);
  } catch (thrown) {
    await unlink(temp).catch(() => undefined);
    throw storeUnavailable(`cannot write checkpoint file ${target}`, thrown);
  }
}

/**
 * Creates `temp` (it must not exist), writes `text` to it, flushes it to disk and
 * renames it over `target`; on failure the temporary file is left for the caller.
 */
export async function writeSyncRename(temp: string, target: string, text: string): Promise<void> {
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
}
