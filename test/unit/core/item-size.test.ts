import { describe, expect, it } from 'vitest';
import { assertItemFits, itemSizeBytes } from '../../../lib/core/item-size.js';

describe('itemSizeBytes', () => {
  it('counts names and values by DynamoDB rules', () => {
    expect(itemSizeBytes({ pk: 'abc' })).toBe(2 + 3);
    expect(itemSizeBytes({ n: 12345 })).toBe(1 + 4);
    expect(itemSizeBytes({ n: 0.5, b: true, z: null })).toBe(1 + 2 + 1 + 1 + 1 + 1);
    expect(itemSizeBytes({ é: 'ü' })).toBe(2 + 2);
    expect(itemSizeBytes({ l: ['ab', 1] })).toBe(1 + 3 + (1 + 2) + (1 + 2));
    expect(itemSizeBytes({ m: { k: 'v' } })).toBe(1 + 3 + 1 + 1 + 1);
    expect(itemSizeBytes({ gone: undefined })).toBe(0);
  });

  it('throws STATE_TOO_LARGE with the size and limit above the limit only', () => {
    expect(() => assertItemFits({ a: 'x'.repeat(9) }, 10, 'thing')).not.toThrow();
    expect(() => assertItemFits({ a: 'x'.repeat(10) }, 10, 'thing')).toThrow(
      expect.objectContaining({ code: 'STATE_TOO_LARGE', details: { sizeBytes: 11, limitBytes: 10 } }),
    );
  });
});
