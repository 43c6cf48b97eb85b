import { describe, expect, it } from 'vitest';
import { LINE_CUT_MARKER, LineSplitter, LineSplitterBase, MAX_LINE_CHARS, type LineSplitterOptions } from './line-splitter.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const M = LINE_CUT_MARKER;

/** Feeds chunks in order and returns the lines each push and the final end() produced. */
function split(chunks: ReadonlyArray<string | Uint8Array>, options?: LineSplitterOptions<never>): string[][] {
  const splitter = new LineSplitter(options);
  const out = chunks.map((c) => splitter.push(c));
  out.push(splitter.end());
  return out;
}

/** The same text cut into chunks of `size` (characters, or bytes when `asBytes`). */
function chunked(text: string, size: number, asBytes: boolean): Array<string | Uint8Array> {
  const whole = asBytes ? bytes(text) : text;
  const chunks: Array<string | Uint8Array> = [];
  for (let i = 0; i < whole.length; i += size) chunks.push(whole.slice(i, i + size));
  return chunks;
}

describe('LineSplitter', () => {
  describe.each<[string, (text: string) => string | Uint8Array]>([
    ['text chunks', (text) => text],
    ['byte chunks', bytes],
  ])('%s', (_kind, encode) => {
    it.each([
      ['whole lines', ['a\nb\n'], [['a', 'b'], []]],
      ['a line split across chunks', ['hel', 'lo\nwor', 'ld\n'], [[], ['hello'], ['world'], []]],
      ['a last line without newline is flushed at the end', ['tail'], [[], ['tail']]],
      ['empty lines are kept', ['\n\nx\n'], [['', '', 'x'], []]],
      ['CRLF endings', ['a\r\nb\r\n'], [['a', 'b'], []]],
      ['CRLF split between chunks', ['a\r', '\nb\n'], [[], ['a', 'b'], []]],
      ['progress updates keep the last text', ['10%\r50%\r100%\n'], [['100%'], []]],
      ['progress across chunks', ['10%\r2', '0%\r30', '%\n'], [[], [], ['30%'], []]],
      ['progress ending with \\r before the newline', ['50%\r60%\r\n'], [['60%'], []]],
      ['progress left without newline at the end', ['1%\r2%\r3%'], [[], ['3%']]],
      ['a \\r at a chunk end, overwritten by the next chunk', ['old\r', 'new\n'], [[], ['new'], []]],
      ['nothing after all', [''], [[], []]],
    ])('%s', (_name, chunks, expected) => {
      expect(split(chunks.map(encode))).toEqual(expected);
    });

    // What a terminal shows of a last line (the former visibleText table).
    it.each([
      ['plain', 'plain'],
      ['a\rb', 'b'],
      ['a\r', 'a'],
      ['\r', ''],
      ['\ra', 'a'],
      ['a\r\r', ''],
    ])('%j shows %j', (input, shown) => {
      expect(split([encode(input)])).toEqual([[], [shown]]);
      expect(split([encode(`${input}\n`)])).toEqual([[shown], []]);
    });
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

  it('cuts a line longer than the cap into pieces, each but the last with the marker', () => {
    expect(split(['abcdefghij', 'k\n'], { maxLineChars: 4 })).toEqual([[`abcd${M}`, `efgh${M}`], ['ijk'], []]);
    expect(split(['abcd\nabcde\n'], { maxLineChars: 4 })).toEqual([['abcd', `abcd${M}`, 'e'], []]);
  });

  it('never parts a surrogate pair at a cut', () => {
    expect(split(['abc😀def\n'], { maxLineChars: 4 }).flat()).toEqual([`abc${M}`, `😀de${M}`, 'f']);
    // The pair's first half is the last character held when the line goes over the cap.
    expect(split(['abc\uD83D', '\uDE00x\n'], { maxLineChars: 4 }).flat()).toEqual([`abc${M}`, '😀x']);
  });

  it('keeps a progress bar without newlines small', () => {
    const splitter = new LineSplitter({ maxLineChars: 50 });
    for (let i = 0; i < 1000; i++) expect(splitter.push(bytes(`progress ${i}%\r`))).toEqual([]);
    expect(splitter.heldChars).toBeLessThanOrEqual(50);
    expect(splitter.end()).toEqual(['progress 999%']);
  });

  it('gives the same lines however the stream is chunked', () => {
    const long = 'x'.repeat(23) + '€😀'.repeat(9) + 'y'.repeat(17);
    const text = `first\r\n\n10%\r20%\r\rdone\r\n${long}\nü€😀 mixed\r\n${long}${long}\nlast\r`;
    const expected = split([text], { maxLineChars: 16 }).flat();
    expect(expected.some((line) => line.endsWith(M))).toBe(true);
    for (const asBytes of [false, true]) {
      for (const size of [1, 2, 3, 5, 7, 16, 64]) {
        expect(split(chunked(text, size, asBytes), { maxLineChars: 16 }).flat(), `${size} ${asBytes ? 'bytes' : 'chars'}`).toEqual(expected);
      }
    }
  });

  it('ships a 64 MiB line without newline in pieces, holding no more than the cap, whatever the chunking', { timeout: 60_000 }, () => {
    const total = 64 * 1024 * 1024;
    const stream = new Uint8Array(total).fill(0x61);
    const sizes = [1, 2, 3, 5, 4093, MAX_LINE_CHARS + 1, 65536];
    const splitter = new LineSplitter();
    const pieces: string[] = [];
    let maxHeld = 0;
    for (let at = 0, n = 0; at < total; n++) {
      const size = sizes[n % sizes.length] as number;
      pieces.push(...splitter.push(stream.subarray(at, at + size)));
      at += size;
      maxHeld = Math.max(maxHeld, splitter.heldChars);
    }
    expect(maxHeld).toBeLessThanOrEqual(MAX_LINE_CHARS);
    // Pieces go out while the line is still coming, not all at its end.
    expect(pieces.length).toBeGreaterThanOrEqual(total / MAX_LINE_CHARS - 1);
    pieces.push(...splitter.end());
    let content = 0;
    pieces.forEach((piece, i) => {
      expect(piece.length).toBeLessThanOrEqual(MAX_LINE_CHARS + M.length);
      const text = i < pieces.length - 1 ? piece.slice(0, -M.length) : piece;
      if (i < pieces.length - 1) expect(piece.endsWith(M)).toBe(true);
      expect(/^a+$/.test(text)).toBe(true);
      content += text.length;
    });
    expect(content).toBe(total);
  });

  it('holds at most the cap when a long line comes one byte at a time', () => {
    const splitter = new LineSplitter({ maxLineChars: 100 });
    const pieces: string[] = [];
    for (let i = 0; i < 1050; i++) {
      pieces.push(...splitter.push(bytes('b')));
      expect(splitter.heldChars).toBeLessThanOrEqual(100);
    }
    pieces.push(...splitter.push(bytes('\n')));
    expect(pieces).toEqual([...Array.from({ length: 10 }, () => `${'b'.repeat(100)}${M}`), 'b'.repeat(50)]);
  });

  describe('dropping over-long lines (JSON messages)', () => {
    it('drops a line over the cap whole, tells once per line, and goes on with the next', () => {
      let dropped = 0;
      const options = { maxLineChars: 10, dropOverlong: () => void dropped++ };
      const text = `{"a":1}\n${'x'.repeat(25)}\n{"b":2}\n${'y'.repeat(11)}`;
      expect(split([text], options).flat()).toEqual(['{"a":1}', '{"b":2}']);
      expect(dropped).toBe(2);
      dropped = 0;
      expect(split(chunked(text, 3, true), options).flat()).toEqual(['{"a":1}', '{"b":2}']);
      expect(dropped).toBe(2);
    });

    it('holds nothing of a dropped line', () => {
      const splitter = new LineSplitter({ maxLineChars: 10, dropOverlong: () => {} });
      for (let i = 0; i < 100; i++) splitter.push('zzzzzzz');
      expect(splitter.heldChars).toBe(0);
      expect(splitter.push('\nok\n')).toEqual(['ok']);
    });
  });
});

/** A splitter whose lines may start with a number as their head. */
class NumberedSplitter extends LineSplitterBase<[number | null, string], number> {
  constructor(maxLineChars?: number) {
    super({ maxLineChars, head: { maxChars: 5, read: (text) => (/^\d+$/.test(text) ? Number(text) : null) } });
  }

  protected override piece(text: string, head: number | null): [number | null, string] {
    return [head, text];
  }
}

function splitNumbered(chunks: string[], maxLineChars?: number): Array<[number | null, string]> {
  const splitter = new NumberedSplitter(maxLineChars);
  return [...chunks.flatMap((c) => splitter.push(c)), ...splitter.end()];
}

describe('LineSplitterBase with a head', () => {
  it.each<[string, string[], Array<[number | null, string]>]>([
    ['a head and its text', ['12 hello\n'], [[12, 'hello']]],
    ['a head across chunks', ['1', '2 he', 'llo\n'], [[12, 'hello']]],
    ['a line without a head', ['abc def\n'], [[null, 'abc def']]],
    ['a head too long is text', ['1234567 x\n'], [[null, '1234567 x']]],
    ['a head of exactly maxChars', ['12345 x\n'], [[12345, 'x']]],
    ['a head and nothing after', ['12 \n'], [[12, '']]],
    ['progress after the head keeps the head', ['12 10%\r100%\n'], [[12, '100%']]],
    ['progress across chunks after the head', ['12 10%\r', '100%\r\n'], [[12, '100%']]],
    ['a \\r before the space: no head', ['1\r2 x\n'], [[null, '2 x']]],
    ['a \\r in a head-to-be across chunks: no head', ['12\r', '3 x\n'], [[null, '3 x']]],
    ['the stream ends inside a head', ['12'], [[null, '12']]],
    ['an empty line', ['\n'], [[null, '']]],
  ])('%s', (_name, chunks, expected) => {
    expect(splitNumbered(chunks)).toEqual(expected);
  });

  it('gives every piece of a cut line its head, the head not counted in the cap', () => {
    expect(splitNumbered(['7 abcdefghij\n8 x\n'], 4)).toEqual([
      [7, `abcd${M}`],
      [7, `efgh${M}`],
      [7, 'ij'],
      [8, 'x'],
    ]);
    expect(splitNumbered([...'7 abcdefghij\n'], 4)).toEqual([
      [7, `abcd${M}`],
      [7, `efgh${M}`],
      [7, 'ij'],
    ]);
  });

  it('holds at most the cap plus a head', () => {
    const splitter = new NumberedSplitter(10);
    splitter.push('123');
    expect(splitter.heldChars).toBe(3);
    for (let i = 0; i < 100; i++) {
      splitter.push(' abcdefg');
      expect(splitter.heldChars).toBeLessThanOrEqual(10);
    }
  });
});
