import { StateTooLargeError } from './errors.js';

/** DynamoDB's item size limit, 400 KB counted as 400 x 1024 bytes: every execution store enforces it. */
export const MAX_ITEM_BYTES = 400 * 1024;

/**
 * The size of an item as DynamoDB counts it against the 400 KB limit, for items
 * in the document client's plain form: the UTF-8 bytes of every attribute name plus
 * its value's size. Strings count their UTF-8 bytes; numbers 1 byte plus 1 per two
 * significant digits (rounded up); booleans and null 1 byte; lists and maps 3 bytes
 * plus 1 byte per element (and, for maps, each key's bytes). It errs on the high
 * side, so an item this function accepts is accepted by DynamoDB.
 */
export function itemSizeBytes(item: Readonly<Record<string, unknown>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += Buffer.byteLength(name, 'utf8') + valueSize(value);
  }
  return size;
}

/**
 * Throws {@link StateTooLargeError} (code `STATE_TOO_LARGE`, with the size and the
 * limit) when `item` is larger than `limitBytes`. Called before every write, so an
 * item that does not fit is never sent.
 */
export function assertItemFits(item: Readonly<Record<string, unknown>>, limitBytes: number, what: string): void {
  const size = itemSizeBytes(item);
  if (size > limitBytes) throw new StateTooLargeError(size, limitBytes, what);
}

function valueSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return numberSize(value);
  if (typeof value === 'boolean' || value === null) return 1;
  if (Array.isArray(value)) {
    let size = 3;
    for (const element of value) size += 1 + valueSize(element);
    return size;
  }
  if (typeof value === 'object') {
    let size = 3;
    for (const [key, element] of Object.entries(value)) {
      if (element === undefined) continue;
      size += 1 + Buffer.byteLength(key, 'utf8') + valueSize(element);
    }
    return size;
  }
  // Nothing else is written by the engine; count it as the largest number would.
  return 21;
}

function numberSize(n: number): number {
  const mantissa = Math.abs(n).toExponential().split('e')[0] ?? '';
  const digits = mantissa.replace('.', '').replace(/0+$/, '').length || 1;
  return Math.ceil(digits / 2) + 1;
}
