/**
 * The difference between two JSON states, as paths: what a step (or a run of
 * steps) added, removed and changed. Pure, so it is tested without a browser.
 */

/** One difference; `path` is `$` for the whole value, then `.key` and `[index]`. */
export interface StateChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The path of `key` under `parent`: `.key`, `["odd key"]` or `[3]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The changes from `before` to `after`, in path order of a walk of both values:
 * objects are compared key by key, arrays index by index (an element inserted at
 * the front therefore shows as changes down the array and one added at the end);
 * values of different kinds, and different scalars, are one `changed` entry.
 * Stops after `limit` entries.
 */
export function diffStates(before: unknown, after: unknown, limit = 1_000): StateChange[] {
  const out: StateChange[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (isObject(a) && isObject(b)) {
      for (const key of Object.keys(a)) {
        if (!Object.hasOwn(b, key)) out.push({ path: childPath(path, key), kind: 'removed', before: a[key] });
        else walk(a[key], b[key], childPath(path, key));
        if (out.length >= limit) return;
      }
      for (const key of Object.keys(b)) {
        if (!Object.hasOwn(a, key)) out.push({ path: childPath(path, key), kind: 'added', after: b[key] });
        if (out.length >= limit) return;
      }
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const shared = Math.min(a.length, b.length);
      for (let i = 0; i < shared && out.length < limit; i++) walk(a[i], b[i], childPath(path, i));
      for (let i = shared; i < a.length && out.length < limit; i++)
        out.push({ path: childPath(path, i), kind: 'removed', before: a[i] });
      for (let i = shared; i < b.length && out.length < limit; i++)
        out.push({ path: childPath(path, i), kind: 'added', after: b[i] });
      return;
    }
    if (!sameScalar(a, b)) out.push({ path, kind: 'changed', before: a, after: b });
  };
  walk(before, after, '$');
  return out;
}

/** Equal scalars; any two values of different kinds (object, array, scalar) differ. */
function sameScalar(a: unknown, b: unknown): boolean {
  if (isObject(a) || isObject(b) || Array.isArray(a) || Array.isArray(b)) return false;
  return Object.is(a, b);
}

/** A short one-line rendering of a JSON value for a diff row (long values are cut). */
export function preview(value: unknown, max = 80): string {
  const text = (JSON.stringify(value) as string | undefined) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
