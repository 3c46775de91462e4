import { ErrorCode, LongRunningError } from '../../lib/core/errors.js';
import type { StateObjects } from '../../lib/aws/large-state/state-objects.js';

/** StateObjects in a Map, with a fault to inject into the next calls: for unit tests. */
export class MemoryStateObjects implements StateObjects {
  readonly objects = new Map<string, string>();
  readonly calls: string[] = [];
  /** Set to make every following call of that kind reject with it. */
  failing: { put?: Error; get?: Error; deletePrefix?: Error } = {};

  async put(key: string, body: string): Promise<void> {
    this.calls.push(`put ${key}`);
    if (this.failing.put) throw this.failing.put;
    this.objects.set(key, body);
  }

  async get(key: string): Promise<string> {
    this.calls.push(`get ${key}`);
    if (this.failing.get) throw this.failing.get;
    const body = this.objects.get(key);
    if (body === undefined) throw new LongRunningError(ErrorCode.CorruptRecord, `no object ${key}`);
    return body;
  }

  async deletePrefix(prefix: string): Promise<number> {
    this.calls.push(`deletePrefix ${prefix}`);
    if (this.failing.deletePrefix) throw this.failing.deletePrefix;
    const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix));
    for (const k of keys) this.objects.delete(k);
    return keys.length;
  }

  /** Keys under `prefix`, sorted. */
  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
