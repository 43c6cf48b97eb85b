// Pure text handling for container output: bytes in, readable lines out. No IO.

/** Longest line kept whole; longer ones are cut so that one runaway line cannot exhaust memory. */
export const MAX_LINE_CHARS = 16 * 1024;

/**
 * What a terminal would show for a line with `\r` progress updates: the text after the last `\r`
 * (a trailing `\r`, as in CRLF or "50%\r" before the newline, does not count).
 */
export function visibleText(line: string): string {
  const end = line.endsWith('\r') ? line.length - 1 : line.length;
  const lastReturn = end > 0 ? line.lastIndexOf('\r', end - 1) : -1;
  return line.slice(lastReturn + 1, end);
}

/**
 * Splits one output stream into lines across chunk boundaries. A multi-byte character cut between
 * chunks is decoded whole (TextDecoder in stream mode); invalid UTF-8 becomes U+FFFD.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });
  private partial = '';

  constructor(private readonly maxLineChars = MAX_LINE_CHARS) {}

  push(chunk: Uint8Array): string[] {
    const parts = (this.partial + this.decoder.decode(chunk, { stream: true })).split('\n');
    this.partial = compactProgress(parts.pop() ?? '');
    const lines = parts.map(visibleText);
    // A partial line that never ends (a huge minified blob) is shipped in pieces.
    while (this.partial.length > this.maxLineChars) {
      lines.push(this.partial.slice(0, this.maxLineChars));
      this.partial = this.partial.slice(this.maxLineChars);
    }
    return lines;
  }

  /** The stream ended: whatever is left is a last line without its newline. */
  end(): string[] {
    const rest = this.partial + this.decoder.decode();
    this.partial = '';
    return rest === '' ? [] : [visibleText(rest)];
  }
}

/** Drops progress updates already overwritten, so a progress bar without newlines stays small. */
function compactProgress(partial: string): string {
  const end = partial.endsWith('\r') ? partial.length - 1 : partial.length;
  const lastReturn = end > 0 ? partial.lastIndexOf('\r', end - 1) : -1;
  return lastReturn >= 0 ? partial.slice(lastReturn + 1) : partial;
}
