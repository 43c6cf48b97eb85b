// Writes ZIP files byte by byte, for tests only. Real archive libraries (rightly) refuse to write
// the hostile entries the scheduler must refuse: `../` paths, absolute paths, links pointing out,
// device files, entries sharing their data. Entries are stored uncompressed unless `deflate` is set.
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data?: string | Buffer;
  /** Unix mode with type bits, e.g. 0o100644 (file), 0o120777 (symlink: data is the target), 0o020644 (char device). */
  mode?: number;
  deflate?: boolean;
  /** Point this entry at an earlier entry's data instead of its own (overlapping-entry bombs). */
  sameDataAs?: number;
}

interface Placed {
  offset: number;
  crc: number;
  size: number;
  packed: number;
  method: number;
}

function localRecord(name: Buffer, body: Buffer, p: Placed): Buffer[] {
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(0x0800, 6); // UTF-8 names
  header.writeUInt16LE(p.method, 8);
  header.writeUInt32LE(p.crc, 14);
  header.writeUInt32LE(p.packed, 18);
  header.writeUInt32LE(p.size, 22);
  header.writeUInt16LE(name.length, 26);
  return [header, name, body];
}

function centralRecord(name: Buffer, p: Placed, mode: number, isDir: boolean): Buffer[] {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, so the mode bits count
  header.writeUInt16LE(20, 6);
  header.writeUInt16LE(0x0800, 8);
  header.writeUInt16LE(p.method, 10);
  header.writeUInt32LE(p.crc, 16);
  header.writeUInt32LE(p.packed, 20);
  header.writeUInt32LE(p.size, 24);
  header.writeUInt16LE(name.length, 28);
  header.writeUInt32LE(((mode << 16) | (isDir ? 0x10 : 0)) >>> 0, 38);
  header.writeUInt32LE(p.offset, 42);
  return [header, name];
}

export function makeZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const placed: Placed[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const isDir = entry.name.endsWith('/');
    let p = entry.sameDataAs === undefined ? undefined : placed[entry.sameDataAs];
    if (!p) {
      const raw = typeof entry.data === 'string' ? Buffer.from(entry.data) : (entry.data ?? Buffer.alloc(0));
      const body = entry.deflate ? deflateRawSync(raw) : raw;
      p = { offset, crc: crc32(raw), size: raw.length, packed: body.length, method: entry.deflate ? 8 : 0 };
      const local = localRecord(name, body, p);
      locals.push(...local);
      offset += local.reduce((n, b) => n + b.length, 0);
    }
    placed.push(p);
    centrals.push(...centralRecord(name, p, entry.mode ?? (isDir ? 0o040755 : 0o100644), isDir));
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
