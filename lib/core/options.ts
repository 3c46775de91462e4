import { ValidationError } from './errors.js';
import { isJsonObject } from './json.js';

/**
 * `options` as an object of the `known` keys only, else VALIDATION_ERROR naming
 * `action` and the first unknown key (a misspelt option is refused, not ignored).
 *
 * @example
 * const o = checkOptions(options, 'rewind', new Set(['toCheckpoint', 'state']));
 */
export function checkOptions(options: unknown, action: string, known: ReadonlySet<string>): Record<string, unknown> {
  if (!isJsonObject(options)) throw new ValidationError(`${action} options must be an object`);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) {
      throw new ValidationError(`unknown ${action} option "${key}" (known: ${[...known].join(', ')})`, { field: key });
    }
  }
  return options;
}
