import { describe, expect, it } from 'vitest';
import { demuxFrames, FrameDemuxer } from './demux.js';

const frame = (type: number, text: string) => {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
};
const decode = (data: Buffer) => [...demuxFrames(data)].map((f) => `${f.stream}:${Buffer.from(f.payload).toString()}`);

describe('demuxFrames', () => {
  it.each([
    { name: 'nothing', data: Buffer.alloc(0), frames: [] },
    { name: 'stdout and stderr in order', data: Buffer.concat([frame(1, 'a\n'), frame(2, 'b\n'), frame(1, 'c')]), frames: ['stdout:a\n', 'stderr:b\n', 'stdout:c'] },
    { name: 'an empty payload', data: frame(1, ''), frames: ['stdout:'] },
    { name: 'a truncated last frame', data: frame(1, 'hello').subarray(0, 10), frames: ['stdout:he'] },
    { name: 'a stray partial header', data: Buffer.concat([frame(2, 'x'), Buffer.from([1, 0, 0])]), frames: ['stderr:x'] },
  ])('$name', ({ data, frames }) => {
    expect(decode(data)).toEqual(frames);
  });

  it('reads a buffer that is a view into a larger one', () => {
    const big = Buffer.concat([Buffer.from('junk'), frame(1, 'ok\n')]);
    expect(decode(big.subarray(4))).toEqual(['stdout:ok\n']);
  });
});

describe('FrameDemuxer', () => {
  it('gives the same frames however the stream is cut into chunks', () => {
    const whole = Buffer.concat([frame(1, 'alpha\n'), frame(2, 'beta\n'), frame(1, ''), frame(1, 'gamma\n')]);
    for (const size of [1, 3, 7, 8, 9, 64]) {
      const demuxer = new FrameDemuxer();
      const got: string[] = [];
      for (let i = 0; i < whole.length; i += size) {
        for (const f of demuxer.push(whole.subarray(i, i + size))) got.push(`${f.stream}:${Buffer.from(f.payload).toString()}`);
      }
      expect(got, `chunks of ${size}`).toEqual(['stdout:alpha\n', 'stderr:beta\n', 'stdout:', 'stdout:gamma\n']);
    }
  });
});
