import { describe, expect, it } from 'vitest';
import { readSse, SseParser, type SseEvent } from './sse-parser.js';

const feed = (chunks: string[]): SseEvent[] => {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
};

describe('SseParser', () => {
  it('parses named events with ids', () => {
    expect(feed(['event: log\nid: 1-0\ndata: {"a":1}\n\nevent: status\ndata: x\n\n'])).toEqual([
      { event: 'log', data: '{"a":1}', id: '1-0' },
      // ids persist across events until a new one is given
      { event: 'status', data: 'x', id: '1-0' },
    ]);
  });

  it('gives the same events whatever the chunk boundaries, even inside a \\r\\n', () => {
    const text = 'event: log\r\nid: 7\r\ndata: hello\r\n\r\n: keep-alive\r\ndata: bye\r\n\r\n';
    const whole = feed([text]);
    expect(whole).toEqual([
      { event: 'log', data: 'hello', id: '7' },
      { event: 'message', data: 'bye', id: '7' },
    ]);
    for (let cut = 1; cut < text.length; cut++) {
      expect(feed([text.slice(0, cut), text.slice(cut)]), `cut at ${cut}`).toEqual(whole);
    }
    expect(feed([...text])).toEqual(whole); // one character at a time
  });

  it('joins multi-line data with \\n and keeps a value after the first colon only', () => {
    expect(feed(['data: one\ndata:two\ndata:  three: 3\n\n'])).toEqual([{ event: 'message', data: 'one\ntwo\n three: 3', id: null }]);
  });

  it('ignores comments, unknown fields and blocks without data, but keeps their ids', () => {
    const parser = new SseParser();
    expect(parser.push(': hello\nfoo: bar\nid: 42\n\n')).toEqual([]);
    expect(parser.lastEventId).toBe('42');
    expect(parser.push('retry: 1500\ndata: x\n\n')).toEqual([{ event: 'message', data: 'x', id: '42' }]);
    expect(parser.retryMs).toBe(1500);
  });

  it('accepts bare \\r line endings and strips a leading BOM', () => {
    expect(feed(['\uFEFFevent: end\rdata: {}\r\r'])).toEqual([{ event: 'end', data: '{}', id: null }]);
  });

  it('carries the last event id of a previous connection until the server sends a new one', () => {
    const parser = new SseParser('41');
    expect(parser.push('data: a\n\nid: 42\ndata: b\n\n').map((e) => e.id)).toEqual(['41', '42']);
  });

  it('does not emit an event that was never terminated by a blank line', () => {
    expect(feed(['data: partial\n'])).toEqual([]);
  });
});

describe('readSse', () => {
  it('decodes UTF-8 split across byte chunks', async () => {
    const bytes = new TextEncoder().encode('data: héllo ✔\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(new Uint8Array([byte]));
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    for await (const event of readSse(body)) events.push(event);
    expect(events).toEqual([{ event: 'message', data: 'héllo ✔', id: null }]);
  });
});
