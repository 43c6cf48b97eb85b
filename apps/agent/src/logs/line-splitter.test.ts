import { describe, expect, it } from 'vitest';
import { LineSplitter, visibleText } from './line-splitter.js';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Feeds chunks in order and returns the lines each push and the final end() produced. */
function split(chunks: Array<string | Uint8Array>, maxLineChars?: number): string[][] {
  const splitter = new LineSplitter(maxLineChars);
  const out = chunks.map((c) => splitter.push(typeof c === 'string' ? bytes(c) : c));
  out.push(splitter.end());
  return out;
}

describe('LineSplitter', () => {
  it.each([
    ['whole lines', ['a\nb\n'], [['a', 'b'], []]],
    ['a line split across chunks', ['hel', 'lo\nwor', 'ld\n'], [[], ['hello'], ['world'], []]],
    ['a last line without newline is flushed at the end', ['tail'], [[], ['tail']]],
    ['empty lines are kept', ['\n\nx\n'], [['', '', 'x'], []]],
    ['CRLF endings', ['a\r\nb\r\n'], [['a', 'b'], []]],
    ['progress updates keep the last text', ['10%\r50%\r100%\n'], [['100%'], []]],
    ['progress across chunks', ['10%\r2', '0%\r30', '%\n'], [[], [], ['30%'], []]],
    ['progress ending with \\r before the newline', ['50%\r60%\r\n'], [['60%'], []]],
    ['progress left without newline at the end', ['1%\r2%\r3%'], [[], ['3%']]],
  ])('%s', (_name, chunks, expected) => {
    expect(split(chunks)).toEqual(expected);
  });

  it('decodes a multi-byte character cut between chunks', () => {
    const euro = bytes('€\n'); // e2 82 ac 0a
    expect(split([euro.slice(0, 1), euro.slice(1, 2), euro.slice(2)])).toEqual([[], [], ['€'], []]);
  });

  it('replaces invalid UTF-8 instead of failing', () => {
    expect(split([new Uint8Array([0x6f, 0x6b, 0xff, 0x0a])])).toEqual([['ok\uFFFD'], []]);
  });

  it('replaces a character left incomplete when the stream ends', () => {
    expect(split([new Uint8Array([0x61, 0xe2, 0x82])])).toEqual([[], ['a\uFFFD']]);
  });

  it('cuts a line longer than the limit into pieces', () => {
    expect(split(['abcdefghij', 'k\n'], 4)).toEqual([['abcd', 'efgh'], ['ijk'], []]);
  });

  it('keeps a progress bar without newlines small', () => {
    const splitter = new LineSplitter(50);
    for (let i = 0; i < 1000; i++) expect(splitter.push(bytes(`progress ${i}%\r`))).toEqual([]);
    expect(splitter.end()).toEqual(['progress 999%']);
  });
});

describe('visibleText', () => {
  it.each([
    ['plain', 'plain'],
    ['a\rb', 'b'],
    ['a\r', 'a'],
    ['\r', ''],
    ['\ra', 'a'],
  ])('%j → %j', (input, expected) => {
    expect(visibleText(input)).toBe(expected);
  });
});
