import { MAX_LINE_CHARS, visibleText } from './line-splitter.js';

// Docker's log output with `timestamps: true`: every entry starts with its RFC 3339 time (nanosecond
// precision, trailing zeros dropped) and a space. The time says which lines were shipped already, so
// a re-read after Docker's follow stream ended early (or rotated its files) picks up exactly there.

export interface TimedLine {
  /** Docker's time of the entry, as [seconds since the epoch, nanoseconds]. */
  at: readonly [number, number];
  text: string;
}

/** `2026-11-28T01:02:03.1234Z` → [seconds, nanoseconds]; [0, 0] when it is not a time. */
export function parseDockerTime(value: string): [number, number] {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(value);
  if (!match) return [0, 0];
  const seconds = Date.parse(`${match[1]}${match[3]}`) / 1000;
  return Number.isFinite(seconds) ? [seconds, Number((match[2] ?? '').padEnd(9, '0'))] : [0, 0];
}

export const compareTimes = (a: readonly [number, number], b: readonly [number, number]): number => a[0] - b[0] || a[1] - b[1];

function timed(raw: string): TimedLine[] {
  const space = raw.indexOf(' ');
  const at = space > 0 ? parseDockerTime(raw.slice(0, space)) : ([0, 0] as [number, number]);
  const text = visibleText(space > 0 && at[0] !== 0 ? raw.slice(space + 1) : raw);
  // A very long line is shipped in pieces, each with the entry's time.
  const pieces: TimedLine[] = [];
  for (let i = 0; i < text.length || i === 0; i += MAX_LINE_CHARS) pieces.push({ at, text: text.slice(i, i + MAX_LINE_CHARS) });
  return pieces;
}

/**
 * Splits one timestamped output stream into lines across chunk boundaries. A multi-byte character
 * cut between chunks is decoded whole; invalid UTF-8 becomes U+FFFD; `\r` progress keeps its last state.
 */
export class TimedLineSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private partial = '';

  push(chunk: Uint8Array): TimedLine[] {
    const parts = (this.partial + this.decoder.decode(chunk, { stream: true })).split('\n');
    this.partial = parts.pop() ?? '';
    // A line that never ends (a progress bar without newlines, a huge blob) is not kept without bound.
    if (this.partial.length > 4 * MAX_LINE_CHARS) {
      parts.push(this.partial);
      this.partial = '';
    }
    return parts.flatMap(timed);
  }

  /** The stream ended: whatever is left is a last line without its newline. */
  end(): TimedLine[] {
    const rest = this.partial + this.decoder.decode();
    this.partial = '';
    return rest === '' ? [] : timed(rest);
  }
}
