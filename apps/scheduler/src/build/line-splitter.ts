/**
 * Splits a stream of text chunks into lines. A partial line waits for its end; `\r` progress updates
 * keep only what the terminal would show last, so logs stay readable.
 */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    return parts.map(lastCarriageReturnSegment);
  }

  /** The unfinished line, if any, at the end of the stream. */
  flush(): string[] {
    const rest = this.rest;
    this.rest = '';
    return rest === '' ? [] : [lastCarriageReturnSegment(rest)];
  }
}

function lastCarriageReturnSegment(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  const cut = trimmed.lastIndexOf('\r');
  return cut === -1 ? trimmed : trimmed.slice(cut + 1);
}
