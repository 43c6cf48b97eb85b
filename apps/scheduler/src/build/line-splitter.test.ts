import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

describe('LineSplitter', () => {
  it.each([
    { name: 'whole lines', chunks: ['a\nb\n'], lines: ['a', 'b'] },
    { name: 'a line split across chunks', chunks: ['he', 'llo\nwor', 'ld\n'], lines: ['hello', 'world'] },
    { name: 'an unfinished last line, flushed', chunks: ['a\nb'], lines: ['a', 'b'] },
    { name: 'CRLF endings', chunks: ['a\r\nb\r\n'], lines: ['a', 'b'] },
    { name: 'progress bars keep the last state', chunks: ['10%\r50%\r100%\n'], lines: ['100%'] },
    { name: 'empty lines are kept', chunks: ['a\n\nb\n'], lines: ['a', '', 'b'] },
  ])('$name', ({ chunks, lines }) => {
    const splitter = new LineSplitter();
    const out = chunks.flatMap((c) => splitter.push(c));
    out.push(...splitter.flush());
    expect(out).toEqual(lines);
  });
});
