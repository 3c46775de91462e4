import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chaosBallast, chaosInput, expectedState } from '../../chaos/chaos-workflow.js';
import { checkExecution } from '../../chaos/execution-check.js';
import { resolveExecution, resolveStateText, type ScannedExecution } from '../../chaos/table-scan.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The marker the table holds for `text` kept under `key`. */
const marker = (key: string, text: string, over: Partial<{ bytes: number; sha256: string }> = {}) =>
  JSON.stringify({ $longrunningState: { key, bytes: Buffer.byteLength(text), sha256: sha256(text), ...over } });

/** A fake bucket: `get` reads `objects`, throws for a missing key, and records what it was asked. */
function bucket(objects: Record<string, string>) {
  const asked: string[] = [];
  const get = (key: string): Promise<string> => {
    asked.push(key);
    const text = objects[key];
    return text === undefined ? Promise.reject(new Error(`no object ${key}`)) : Promise.resolve(text);
  };
  return { get, asked };
}

describe('resolveStateText', () => {
  it('returns a state kept inline as it is, without a fetch', async () => {
    const { get, asked } = bucket({});
    const inline = JSON.stringify(expectedState(chaosInput(1), 2));
    expect(await resolveStateText(inline, get)).toEqual({ data: inline, offloaded: false });
    expect(await resolveStateText(undefined, get)).toEqual({ data: undefined, offloaded: false });
    expect(await resolveStateText('{not json', get)).toEqual({ data: '{not json', offloaded: false });
    expect(asked).toEqual([]);
  });

  it('replaces a reference by the text of its object when it matches', async () => {
    const text = JSON.stringify({ état: 'é'.repeat(10) });
    const { get, asked } = bucket({ 'executions/a/1.json': text });
    expect(await resolveStateText(marker('executions/a/1.json', text), get)).toEqual({ data: text, offloaded: true });
    expect(asked).toEqual(['executions/a/1.json']);
  });

  it('names a missing object, one that does not match, and a malformed reference', async () => {
    const text = '{"a":1}';
    const { get } = bucket({ k: text, other: '{"a":2}' });
    const missing = await resolveStateText(marker('gone', text), get);
    expect(missing).toMatchObject({ offloaded: true, problem: expect.stringMatching(/state object gone is missing/) });
    expect(missing.data).toBe(marker('gone', text));
    const changed = await resolveStateText(marker('other', text), get);
    expect(changed.problem).toMatch(/state object other does not match its reference \(SHA-256 differs\)/);
    const size = await resolveStateText(marker('k', text, { bytes: 3 }), get);
    expect(size.problem).toMatch(/state object k is not the 3 bytes/);
    const malformed = await resolveStateText(JSON.stringify({ $longrunningState: { key: 1 } }), get);
    expect(malformed.problem).toMatch(/malformed state reference/);
  });
});

describe('resolveExecution', () => {
  const input = chaosInput(5, undefined, undefined, chaosBallast(5));
  const texts = [0, 1, 2].map((step) => JSON.stringify(expectedState(input, step)));
  const key = (step: number) => `executions/exec_a/${sha256(texts[step]!)}.json`;
  const objects = Object.fromEntries(texts.map((text, step) => [key(step), text]));
  const stored: ScannedExecution = {
    id: 'exec_a',
    shard: 0,
    head: { state: 'completed', currentStep: 2, totalSteps: 2, version: 4, data: marker(key(2), texts[2]!) },
    checkpoints: [0, 1, 2].map((step) => ({ step, data: marker(key(step), texts[step]!), timestamp: step })),
  };

  it('resolves the head and every checkpoint, so the check sees the real states', async () => {
    const e = await resolveExecution(stored, bucket(objects).get);
    expect(e.offloaded).toBe(true);
    expect(e.stateProblems).toBeUndefined();
    expect(e.head?.data).toBe(texts[2]);
    expect(e.checkpoints.map((c) => c.data)).toEqual(texts);
    expect(checkExecution(e, { steps: 2, cancelRequested: false })).toMatchObject({ corrupt: false, problems: [] });
  });

  it('leaves an execution kept inline alone', async () => {
    const inline = JSON.stringify(expectedState(chaosInput(5), 0));
    const e: ScannedExecution = { id: 'exec_b', shard: 0, checkpoints: [{ step: 0, data: inline, timestamp: 0 }] };
    expect(await resolveExecution(e, bucket({}).get)).toEqual(e);
  });

  it('makes the execution corrupt, naming the state and its object, when one cannot be read back', async () => {
    const { [key(1)]: _gone, ...rest } = objects;
    const e = await resolveExecution(stored, bucket(rest).get);
    expect(e.stateProblems).toEqual([
      expect.stringMatching(new RegExp(`^checkpoint 1: state object ${key(1)} is missing`)),
    ]);
    const v = checkExecution(e, { steps: 2, cancelRequested: false });
    expect(v.corrupt).toBe(true);
    expect(v.problems[0]).toContain(key(1));
  });
});
