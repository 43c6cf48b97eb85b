// Output text → lines: the one splitter for everything shown as a log line (build output, run output)
// and for the engine's line-delimited JSON. No IO.
//
// Memory stays bounded by the cap plus the chunk at hand, and time stays linear in the input, however
// it is chunked: a '\n' or '\r' is searched for in the new chunk only, the held unfinished line is
// never split again, and a '\r' at its end is remembered as a flag instead of being read back.

/** Longest line shipped whole, in UTF-16 code units; a longer one is shipped in pieces. */
export const MAX_LINE_CHARS = 16 * 1024;

/**
 * Ends every piece of a cut line except its last, so a reader sees that the line goes on in the next
 * one (of the same stream). A piece is at most `maxLineChars + LINE_CUT_MARKER.length` long.
 */
export const LINE_CUT_MARKER = ' [line cut, continues]';

/** A head each line may start with, such as a time stamp: the text before the line's first space. */
export interface LineHead<H> {
  /** A head is never longer: without a space in its first `maxChars + 1` characters, a line has none. */
  readonly maxChars: number;
  /** The head's value, or null when the text is not a head (the line is then all text). */
  read(text: string): H | null;
}

export interface LineSplitterOptions<H> {
  /** The cap (default MAX_LINE_CHARS), counted on the text after the head; at least 2. */
  maxLineChars?: number;
  /**
   * When given, a line longer than the cap is dropped whole, and this is called once for it, instead
   * of being cut: for lines that a cut would make unreadable, such as JSON messages.
   */
  dropOverlong?: () => void;
  /** Heads are never compacted or counted in the cap; every piece of a cut line gets its line's head. */
  head?: LineHead<H>;
}

const SPACE = 0x20;
const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/**
 * Splits one output stream into lines across chunk boundaries. Chunks are text or UTF-8 bytes (one
 * kind per stream): a multi-byte character cut between chunks is decoded whole, invalid UTF-8 becomes
 * U+FFFD. Lines end with '\n' (or CRLF); `\r` progress updates keep what a terminal would show, the
 * text after the last `\r`. A line over the cap is cut (see LINE_CUT_MARKER) or dropped; progress
 * updates cannot take back pieces already shipped. What a line becomes is the subclass's `piece`.
 */
export abstract class LineSplitterBase<T, H = never> {
  private readonly maxLineChars: number;
  private readonly dropOverlong: (() => void) | undefined;
  private readonly head: LineHead<H> | undefined;
  private decoder: InstanceType<typeof TextDecoder> | null = null;
  private out: T[] = [];
  /** The current line's visible text so far (after its head), never longer than the cap. */
  private held = '';
  /** The held text was followed by a `\r`: the next character overwrites it, unless it ends the line. */
  private returned = false;
  /** Something of the current line arrived, so end() ships it even when its text is empty. */
  private started = false;
  /** The current line went over the cap in drop mode: the rest of it is skipped. */
  private dropping = false;
  /** While the current line may still start with a head: what of it arrived; null once decided. */
  private headText: string | null;
  private headValue: H | null = null;

  constructor(options: LineSplitterOptions<H> = {}) {
    this.maxLineChars = options.maxLineChars ?? MAX_LINE_CHARS;
    if (!(this.maxLineChars >= 2)) throw new RangeError(`maxLineChars must be at least 2, not ${this.maxLineChars}`);
    this.dropOverlong = options.dropOverlong;
    this.head = options.head;
    this.headText = this.head ? '' : null;
  }

  /** One output line (or piece of one) as the caller wants it. */
  protected abstract piece(text: string, head: H | null): T;

  /** Characters held for the unfinished line: never more than the cap plus a head. */
  get heldChars(): number {
    return this.held.length + (this.headText?.length ?? 0);
  }

  push(chunk: string | Uint8Array): T[] {
    this.feed(typeof chunk === 'string' ? chunk : (this.decoder ??= new TextDecoder()).decode(chunk, { stream: true }));
    return this.take();
  }

  /** The stream ended: whatever is left is a last line without its newline. */
  end(): T[] {
    if (this.decoder) this.feed(this.decoder.decode());
    if (this.started) this.endLine();
    return this.take();
  }

  private take(): T[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private feed(text: string): void {
    let cr = text.indexOf('\r');
    for (let pos = 0; ; ) {
      const nl = text.indexOf('\n', pos);
      const end = nl === -1 ? text.length : nl;
      if (this.headText !== null) pos = this.readHead(text, pos, end, nl !== -1);
      cr = this.appendSegment(text, pos, end, cr);
      if (nl === -1) return;
      this.endLine();
      pos = nl + 1;
    }
  }

  /** Looks for the line's head in text[pos, end); returns where the line's text starts. */
  private readHead(text: string, pos: number, end: number, lineEnds: boolean): number {
    const head = this.head as LineHead<H>;
    const sofar = this.headText as string;
    const room = head.maxChars + 1 - sofar.length;
    const limit = Math.min(end, pos + room);
    for (let i = pos; i < limit; i++) {
      if (text.charCodeAt(i) !== SPACE) continue;
      this.headText = null;
      this.started = true;
      this.headValue = head.read(sofar + text.slice(pos, i));
      if (this.headValue !== null) return i + 1;
      this.appendSegment(sofar, 0, sofar.length, sofar.indexOf('\r'));
      return pos;
    }
    if (end - pos < room && !lineEnds) {
      // The head may go on in the next chunk.
      if (end > pos) {
        this.headText = sofar + text.slice(pos, end);
        this.started = true;
      }
      return end;
    }
    this.headText = null;
    this.appendSegment(sofar, 0, sofar.length, sofar.indexOf('\r'));
    return pos;
  }

  /**
   * Adds text[from, to) (no '\n' in it) to the line, keeping only what follows its last `\r`. `cr` is
   * the position of a `\r` in text not before the last one seen, or -1: the scan for `\r` goes forward
   * only, over the whole chunk once. Returns it for the next segment.
   */
  private appendSegment(text: string, from: number, to: number, cr: number): number {
    if (from >= to) return cr;
    this.started = true;
    if (cr !== -1 && cr < from) cr = text.indexOf('\r', from);
    let last = -1;
    let beforeLast = -1;
    for (; cr !== -1 && cr < to; cr = text.indexOf('\r', cr + 1)) {
      beforeLast = last;
      last = cr;
    }
    const trailing = last === to - 1;
    // The last `\r` that something follows on this line: what came before it was overwritten.
    const overwrite = trailing ? beforeLast : last;
    if (this.returned || overwrite !== -1) this.held = '';
    this.returned = trailing;
    this.append(text, overwrite === -1 ? from : overwrite + 1, trailing ? to - 1 : to);
    return cr;
  }

  /** Adds text[from, to) to the held line, shipping (or dropping) what goes over the cap. */
  private append(text: string, from: number, to: number): void {
    if (this.dropping) return;
    const max = this.maxLineChars;
    while (this.held.length + (to - from) > max) {
      if (this.dropOverlong) {
        this.dropping = true;
        this.held = '';
        this.dropOverlong();
        return;
      }
      const take = max - this.held.length;
      let piece = this.held + text.slice(from, from + take);
      from += take;
      this.held = '';
      // A surrogate pair stays whole: its first half moves on to the next piece.
      if (isHighSurrogate(piece.charCodeAt(max - 1)) && isLowSurrogate(text.charCodeAt(from))) {
        this.held = piece.slice(max - 1);
        piece = piece.slice(0, max - 1);
      }
      this.out.push(this.piece(piece + LINE_CUT_MARKER, this.headValue));
    }
    if (to > from) this.held += text.slice(from, to);
  }

  private endLine(): void {
    const sofar = this.headText;
    if (sofar) {
      // The stream ended inside what could have been a head: it is text.
      this.headText = null;
      this.appendSegment(sofar, 0, sofar.length, sofar.indexOf('\r'));
    }
    if (!this.dropping) this.out.push(this.piece(this.held, this.headValue));
    this.held = '';
    this.returned = false;
    this.started = false;
    this.dropping = false;
    this.headValue = null;
    this.headText = this.head ? '' : null;
  }
}

/** Lines as plain strings. */
export class LineSplitter extends LineSplitterBase<string> {
  constructor(options: Omit<LineSplitterOptions<never>, 'head'> = {}) {
    super(options);
  }

  protected override piece(text: string): string {
    return text;
  }
}
