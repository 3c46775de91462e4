import { ErrorCode, LongRunningError } from '../core/errors.js';
import type { Execution } from '../core/types.js';
import { parseExecution } from './execution-codec.js';

/**
 * Parses a stored execution's JSON text and checks that it is the execution stored
 * under `id`. A record holding another execution is `CORRUPT_RECORD` (naming the
 * `id` field and `source`), as is any malformed document.
 */
export function parseStoredExecution(text: string, id: string, source: string): Execution {
  const exec = parseExecution(text, source);
  if (exec.id !== id) {
    throw new LongRunningError(
      ErrorCode.CorruptRecord,
      `corrupt execution record in ${source}: field "id" is ${JSON.stringify(exec.id)}, ` +
        `but the record is stored as ${JSON.stringify(id)}`,
      { details: { source, field: 'id' } },
    );
  }
  return exec;
}
