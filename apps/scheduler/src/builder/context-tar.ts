import { Readable } from 'node:stream';
import { pack, type Headers } from 'tar-fs';
import type { ArchiveEntry } from '../archive/check-archive.js';

// The build context as Docker receives it: a tar of the unpacked folder whose modes and owners come
// from the archive, not from the disk. The scheduler's umask or user cannot change what a COPY gives
// (a script stays executable, a folder stays readable), and files the archive made unreadable are
// still read.

/** Folders the archive implies but does not list (a/b/c.txt without a/): what mkdir -p would give. */
const IMPLIED_DIR_MODE = 0o755;

export function contextTar(dir: string, entries: readonly ArchiveEntry[]): Readable {
  const modes = new Map(entries.map((e) => [e.path, e.mode]));
  const map = (header: Headers): Headers => {
    const mode = modes.get(header.name);
    if (header.type === 'directory') header.mode = mode ?? IMPLIED_DIR_MODE;
    else if (header.type === 'file' && mode !== undefined) header.mode = mode;
    // A ZIP holds no owners: everything is root's, as `docker build` sends a context.
    header.uid = 0;
    header.gid = 0;
    return header;
  };
  // tar-fs 3 makes a streamx stream; dockerode wants a Node one.
  return Readable.from(pack(dir, { map }));
}
