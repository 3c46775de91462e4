import type { Item } from './table-context.js';

const KEY_ATTRIBUTES = new Set(['pk', 'sk']);

/**
 * Builds DynamoDB expressions with placeholders for every attribute name and value
 * (so reserved words such as `state`, `name` and `data` need no special care).
 */
export class Expression {
  /** `ExpressionAttributeNames` of the expressions built so far. */
  readonly names: Record<string, string> = {};
  /** `ExpressionAttributeValues` of the expressions built so far. */
  readonly values: Record<string, unknown> = {};
  readonly #nameOf = new Map<string, string>();

  /** The placeholder of attribute `attr`. */
  name(attr: string): string {
    let placeholder = this.#nameOf.get(attr);
    if (placeholder === undefined) {
      placeholder = `#n${this.#nameOf.size}`;
      this.#nameOf.set(attr, placeholder);
      this.names[placeholder] = attr;
    }
    return placeholder;
  }

  /** A new placeholder for `value`. */
  value(value: unknown): string {
    const placeholder = `:v${Object.keys(this.values).length}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** `#attr IN (:a, :b)`. */
  in(attr: string, values: readonly unknown[]): string {
    return `${this.name(attr)} IN (${values.map((v) => this.value(v)).join(', ')})`;
  }

  /** The names and values to send with the expressions (values left out when empty). */
  params(): { ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Record<string, unknown> } {
    return Object.keys(this.values).length === 0
      ? { ExpressionAttributeNames: this.names }
      : { ExpressionAttributeNames: this.names, ExpressionAttributeValues: this.values };
  }
}

/** `SET a = :x, ... REMOVE b, ...` from the clauses given (empty ones left out). */
export function updateExpression(set: readonly string[], remove: readonly string[]): string {
  return [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
}

/**
 * The update that turns item `base` into item `next`: SET of every attribute whose
 * value differs, REMOVE of every attribute `next` no longer has. Keys never change.
 * Empty when the items are equal.
 */
export function diffUpdate(base: Item, next: Item, expr: Expression): string {
  const set: string[] = [];
  const remove: string[] = [];
  for (const [attr, value] of Object.entries(next)) {
    if (KEY_ATTRIBUTES.has(attr) || value === undefined) continue;
    if (!sameValue(base[attr], value)) set.push(`${expr.name(attr)} = ${expr.value(value)}`);
  }
  for (const attr of Object.keys(base)) {
    if (!KEY_ATTRIBUTES.has(attr) && base[attr] !== undefined && next[attr] === undefined) remove.push(expr.name(attr));
  }
  return updateExpression(set, remove);
}

/**
 * A condition that holds only while the stored item still has `base`'s values of
 * `attrs` (absent attributes must still be absent): optimistic concurrency on the
 * fields other writers may change.
 */
export function pinCondition(base: Item, attrs: readonly string[], expr: Expression): string {
  const parts = [`attribute_exists(${expr.name('pk')})`];
  for (const attr of attrs) {
    const value = base[attr];
    parts.push(
      value === undefined ? `attribute_not_exists(${expr.name(attr)})` : `${expr.name(attr)} = ${expr.value(value)}`,
    );
  }
  return parts.join(' AND ');
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));
}
