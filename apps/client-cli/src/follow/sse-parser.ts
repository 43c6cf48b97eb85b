// A Server-Sent Events parser (the WHATWG "event stream interpretation"), fed decoded text chunks as
// they arrive. Written here because it is ~80 lines and Node has no EventSource that can send a
// Bearer header; a chunk may end anywhere, even between the \r and \n of one line ending.

export interface SseEvent {
  /** `message` when the block named none. */
  event: string;
  data: string;
  /** The last event id seen so far (ids persist across events, as the spec says); null if none. */
  id: string | null;
}

export class SseParser {
  private buffer = '';
  private started = false;
  /** The previous chunk ended with \r: a \n opening the next chunk ends the same line. */
  private pendingCr = false;
  private eventType = '';
  private dataLines: string[] = [];
  private lastId: string;
  /** The server's `retry:` advice in ms, if it gave one. */
  retryMs: number | null = null;

  /** `lastEventId`: where a previous connection stopped, so ids keep counting across reconnections. */
  constructor(lastEventId: string | null = null) {
    this.lastId = lastEventId ?? '';
  }

  get lastEventId(): string | null {
    return this.lastId || null;
  }

  /** Feeds one decoded chunk; returns the events it completed. */
  push(chunk: string): SseEvent[] {
    let text = chunk;
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buffer += text;

    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const char = this.buffer[i];
      if (char !== '\n' && char !== '\r') continue;
      const line = this.buffer.slice(start, i);
      if (char === '\r') {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer[i + 1] === '\n') i++;
      }
      start = i + 1;
      const event = this.processLine(line);
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private processLine(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null; // a comment, used by servers as a keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored, per the spec
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    const { eventType, dataLines } = this;
    this.eventType = '';
    this.dataLines = [];
    // A block without data is not an event (but its id, already stored, still counts).
    if (dataLines.length === 0) return null;
    return { event: eventType || 'message', data: dataLines.join('\n'), id: this.lastEventId };
  }
}

/** Reads a byte stream of SSE, yielding events; UTF-8 sequences split across chunks are kept whole. */
export async function* readSse(body: ReadableStream<Uint8Array>, parser = new SseParser()): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
  } finally {
    // Stopping early (the consumer returned) must close the connection, or it keeps the process alive.
    await reader.cancel().catch(() => undefined);
  }
}
