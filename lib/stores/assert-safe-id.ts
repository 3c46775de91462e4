import { ValidationError } from '../core/errors.js';
import { isSafeId } from '../core/ids.js';

/**
 * Returns `id` when it is safe as a file name and a storage key (see `isSafeId`):
 * 1 to 128 letters, digits, `_`, `-` or `.`, not starting with a dot. Otherwise
 * throws {@link ValidationError} (code `VALIDATION_ERROR`) naming the id.
 */
export function assertSafeId(id: unknown): string {
  if (!isSafeId(id)) {
    const shown = typeof id === 'string' ? JSON.stringify(id) : `a ${typeof id}`;
    throw new ValidationError(
      `invalid execution id ${shown}: use 1 to 128 letters, digits, "_", "-" or ".", not starting with a dot`,
      { id },
    );
  }
  return id;
}
