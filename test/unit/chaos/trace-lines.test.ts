import { describe, expect, it } from 'vitest';
import { lineSplitter, parseTraceLine } from '../../chaos/trace-lines.js';

describe('trace lines', () => {
  it('parses trace objects and ignores anything else', () => {
    expect(parseTraceLine('{"k":"ready","t":1,"w":"w0.0","pid":9}')).toEqual({ k: 'ready', t: 1, w: 'w0.0', pid: 9 });
    expect(parseTraceLine('(node:1) Warning: something')).toBeUndefined();
    expect(parseTraceLine('{"t":1}')).toBeUndefined();
    expect(parseTraceLine('{broken')).toBeUndefined();
  });

  it('splits chunks into whole lines, whatever the chunk boundaries', () => {
    const lines: string[] = [];
    const feed = lineSplitter((l) => lines.push(l));
    feed('{"a":1}\n{"b"');
    feed(':2}\n\n');
    feed(Buffer.from('{"c":3}'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
    feed('\n');
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });
});
