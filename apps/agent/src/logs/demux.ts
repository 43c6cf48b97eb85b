// Docker's multiplexed log format (containers without a TTY), for output read in one piece: frames
// of an 8-byte header (stream type, 3 zero bytes, big-endian payload length) and the payload.

export interface LogFrame {
  stream: 'stdout' | 'stderr';
  payload: Uint8Array;
}

const HEADER_BYTES = 8;

/** The frames of a whole buffer, in order; a truncated last frame yields what it holds. */
export function* demuxFrames(data: Uint8Array): Generator<LogFrame> {
  let offset = 0;
  while (offset + HEADER_BYTES <= data.length) {
    const type = data[offset];
    const length = new DataView(data.buffer, data.byteOffset + offset + 4, 4).getUint32(0);
    const start = offset + HEADER_BYTES;
    const payload = data.subarray(start, Math.min(start + length, data.length));
    // Type 1 is stdout, 2 stderr; 0 (stdin) never carries output.
    if (type === 1 || type === 2) yield { stream: type === 1 ? 'stdout' : 'stderr', payload };
    offset = start + length;
  }
}

/**
 * The same frames from a stream that arrives in chunks: a header or payload cut between chunks is
 * kept until the rest comes. Walks each chunk once (docker-modem copies the buffer per frame).
 */
export class FrameDemuxer {
  private pending: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): LogFrame[] {
    const data = this.pending.length ? concat(this.pending, chunk) : chunk;
    const frames: LogFrame[] = [];
    let offset = 0;
    while (offset + HEADER_BYTES <= data.length) {
      const length = new DataView(data.buffer, data.byteOffset + offset + 4, 4).getUint32(0);
      const end = offset + HEADER_BYTES + length;
      if (end > data.length) break;
      const type = data[offset];
      if (type === 1 || type === 2) frames.push({ stream: type === 1 ? 'stdout' : 'stderr', payload: data.subarray(offset + HEADER_BYTES, end) });
      offset = end;
    }
    // Copied, so that the rest does not keep the whole chunk alive.
    this.pending = data.slice(offset);
    return frames;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
