import { createWriteStream } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import unzipper from 'unzipper';
import { BadArchive } from '../errors/index.js';
import { checkArchive, normaliseEntryPath, type ArchiveEntry, type ArchiveLimits, type CheckedArchive, type EntryKind } from './check-archive.js';

// The IO half of archive handling: list a ZIP's entries for the pure checks, and unpack the checked
// build context. unzipper reads the central directory without unpacking anything.

type ZipFile = unzipper.File;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
/** A symlink's stored target is tiny; anything bigger is not a real link. */
const MAX_LINK_BYTES = 4096;

function kindOf(file: ZipFile): EntryKind {
  const madeByUnix = file.versionMadeBy >> 8 === 3;
  const mode = (file.externalFileAttributes >>> 16) & S_IFMT;
  if (madeByUnix && mode !== 0) {
    if (mode === S_IFLNK) return 'symlink';
    if (mode === S_IFDIR) return 'directory';
    if (mode === S_IFREG) return 'file';
    return 'special';
  }
  return file.type === 'Directory' || file.path.endsWith('/') ? 'directory' : 'file';
}

async function openZip(zipPath: string): Promise<ZipFile[]> {
  try {
    const directory = await unzipper.Open.file(zipPath);
    return directory.files;
  } catch (err) {
    throw new BadArchive(
      `the upload is not a readable ZIP archive (${(err as Error).message}); make it with "zip -r app.zip ." or the draas CLI`,
    );
  }
}

async function toEntry(file: ZipFile): Promise<ArchiveEntry> {
  const kind = kindOf(file);
  const entry: ArchiveEntry = {
    path: file.path,
    kind,
    compressedBytes: file.compressedSize,
    uncompressedBytes: file.uncompressedSize,
  };
  if (kind === 'symlink') {
    if (file.uncompressedSize > MAX_LINK_BYTES) throw new BadArchive(`symlink "${file.path}" has an impossibly long target`);
    entry.linkTarget = (await file.buffer()).toString('utf8');
  }
  return entry;
}

async function listAndCheck(zipPath: string, limits: ArchiveLimits): Promise<{ files: ZipFile[]; checked: CheckedArchive }> {
  const files = await openZip(zipPath);
  const entries: ArchiveEntry[] = [];
  for (const file of files) entries.push(await toEntry(file));
  return { files, checked: checkArchive(entries, limits) };
}

/** Lists and checks the archive; throws BadArchive saying what to fix. */
export async function inspectZip(zipPath: string, limits: ArchiveLimits): Promise<CheckedArchive> {
  return (await listAndCheck(zipPath, limits)).checked;
}

/** Counts bytes really written and stops an entry that grows past what the archive declared. */
function byteGuard(entryPath: string, declared: number, budget: { left: number }): Transform {
  let written = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      budget.left -= chunk.length;
      if (written > declared || budget.left < 0) {
        done(new BadArchive(`entry "${entryPath}" unpacks to more bytes than it declares; the ZIP is corrupt or hostile`));
        return;
      }
      done(null, chunk);
    },
  });
}

/**
 * Unpacks the build context of a checked archive into `dest` (which must be empty). Re-checks every
 * entry (the file could have changed since upload) and counts real bytes, not declared ones.
 */
export async function unpackContext(zipPath: string, dest: string, limits: ArchiveLimits): Promise<CheckedArchive> {
  const { files, checked } = await listAndCheck(zipPath, limits);
  const wanted = new Map(checked.entries.map((e) => [checked.contextPrefix + e.path, e]));
  const budget = { left: limits.maxUnpackedBytes };
  await mkdir(dest, { recursive: true });
  // Links are made last, so that no file is ever written through one.
  const links: ArchiveEntry[] = [];
  for (const file of files) {
    const normal = normaliseEntryPath(file.path);
    const entry = wanted.get(normal);
    if (!entry) continue;
    const target = path.join(dest, entry.path);
    if (!target.startsWith(dest + path.sep)) throw new BadArchive(`entry "${file.path}" escapes the build folder`);
    if (entry.kind === 'directory') {
      await mkdir(target, { recursive: true });
    } else if (entry.kind === 'symlink') {
      links.push(entry);
    } else {
      await mkdir(path.dirname(target), { recursive: true });
      await pipeline(file.stream(), byteGuard(file.path, file.uncompressedSize, budget), createWriteStream(target, { flags: 'wx' }));
    }
  }
  for (const link of links) {
    const target = path.join(dest, link.path);
    await mkdir(path.dirname(target), { recursive: true });
    await symlink(link.linkTarget ?? '', target);
  }
  return checked;
}
