import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, LongRunningError } from '../../../lib/core/errors.js';
import type { Execution } from '../../../lib/core/types.js';
import {
  decodeExecution,
  encodeExecution,
  parseExecution,
  serializeExecution,
} from '../../../lib/stores/execution-codec.js';
import { checkProperty } from '../replay.js';
import { damagedDocumentArb } from './damaged-document.js';
import { executionArb, normalForm } from './execution-arbitrary.js';

/** `value` as it comes back from JSON text: -0 becomes 0, undefined members go. */
function throughJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** {@link normalForm}, then what JSON text keeps of the states and metadata. */
function textNormalForm(exec: Execution): Execution {
  const normal = normalForm(exec);
  return {
    ...normal,
    progress: normal.progress + 0,
    metadata: throughJson(normal.metadata),
    checkpoints: normal.checkpoints.map((cp) => ({
      ...cp,
      state: throughJson(cp.state),
      ...(cp.metadata === undefined ? {} : { metadata: throughJson(cp.metadata) }),
    })),
    ...(normal.inbox ? { inbox: normal.inbox.map((e) => ({ ...e, payload: throughJson(e.payload) })) } : {}),
    ...(normal.delivered ? { delivered: { ...normal.delivered, payload: throughJson(normal.delivered.payload) } } : {}),
  };
}

describe('the Go-format execution codec', () => {
  it('decodes what it encodes to the documented normal form of the execution', async () => {
    await checkProperty(
      fc.property(executionArb, (exec) => {
        expect(decodeExecution(encodeExecution(exec))).toStrictEqual(normalForm(exec));
      }),
      { numRuns: 200 },
    );
  });

  it('parses the JSON text it writes back to the same execution, up to what JSON keeps', async () => {
    await checkProperty(
      fc.property(executionArb, (exec) => {
        expect(parseExecution(serializeExecution(exec))).toStrictEqual(textNormalForm(exec));
      }),
      { numRuns: 200 },
    );
  });

  it('writes the same document and text again for an execution it has read back', async () => {
    await checkProperty(
      fc.property(executionArb, (exec) => {
        const text = serializeExecution(exec);
        expect(serializeExecution(parseExecution(text))).toBe(text);
        const doc = encodeExecution(exec);
        expect(encodeExecution(decodeExecution(doc))).toStrictEqual(doc);
      }),
      { numRuns: 200 },
    );
  });

  it('reads a damaged document as an execution it can write again, or refuses it with CORRUPT_RECORD', async () => {
    await checkProperty(
      fc.property(damagedDocumentArb, (doc) => {
        let exec: Execution;
        try {
          exec = decodeExecution(doc, 'damaged.json');
        } catch (err) {
          expect(err).toBeInstanceOf(LongRunningError);
          expect((err as LongRunningError).code).toBe(ErrorCode.CorruptRecord);
          return;
        }
        expect(() => encodeExecution(exec)).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
