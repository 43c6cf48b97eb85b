import { createWriteStream } from 'node:fs';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import unzipper from 'unzipper';
import { BadArchive } from '../errors.js';
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
/** Permission bits kept from an entry: rwx for owner, group and others (no setuid, setgid, sticky). */
const PERMISSION_BITS = 0o777;
/**
 * The mode of files and folders in a ZIP that stores none (made on Windows, or by a tool that wrote
 * no Unix attributes): what `docker build` gives a context sent from Windows, -rwxr-xr-x.
 */
export const DEFAULT_ENTRY_MODE = 0o755;

const madeByUnix = (file: ZipFile): boolean => file.versionMadeBy >> 8 === 3;

function kindOf(file: ZipFile): EntryKind {
  const mode = (file.externalFileAttributes >>> 16) & S_IFMT;
  if (madeByUnix(file) && mode !== 0) {
    if (mode === S_IFLNK) return 'symlink';
    if (mode === S_IFDIR) return 'directory';
    if (mode === S_IFREG) return 'file';
    return 'special';
  }
  return file.type === 'Directory' || file.path.endsWith('/') ? 'directory' : 'file';
}

/** The rwx bits the archiver stored (zip -r, Python's zipfile, the CLI), else Docker's default. */
function modeOf(file: ZipFile): number {
  const permissions = (file.externalFileAttributes >>> 16) & PERMISSION_BITS;
  return madeByUnix(file) && permissions !== 0 ? permissions : DEFAULT_ENTRY_MODE;
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

/** ZIPs inside the ZIP are opened to see what they would unpack to, up to this size and depth. */
const NESTED_MAX_BYTES = 64 * 1024 ** 2;
const NESTED_MAX_DEPTH = 3;
const isZipName = (name: string): boolean => /\.(zip|jar|war|ear|apk|whl|nupkg)$/i.test(name);

/** What a ZIP held in memory unpacks to, its own inner ZIPs included; its size when it is no ZIP. */
async function unpackedSizeOf(data: Buffer, limit: number, depth: number): Promise<number> {
  let files: ZipFile[];
  try {
    files = (await unzipper.Open.buffer(data)).files;
  } catch {
    return data.length;
  }
  let total = 0;
  for (const inner of files) {
    total += inner.uncompressedSize;
    if (total > limit) return total;
    if (depth < NESTED_MAX_DEPTH && isZipName(inner.path) && inner.uncompressedSize <= NESTED_MAX_BYTES) {
      total += (await unpackedSizeOf(await inner.buffer(), limit - total, depth + 1)) - inner.uncompressedSize;
    }
  }
  return total;
}

async function toEntry(file: ZipFile, limits: ArchiveLimits): Promise<ArchiveEntry> {
  const kind = kindOf(file);
  const entry: ArchiveEntry = {
    path: file.path,
    kind,
    mode: modeOf(file),
    compressedBytes: file.compressedSize,
    uncompressedBytes: file.uncompressedSize,
    localHeaderOffset: file.offsetToLocalFileHeader,
    nameBytes: file.fileNameLength,
  };
  if (kind === 'symlink') {
    if (file.uncompressedSize > MAX_LINK_BYTES) throw new BadArchive(`symlink "${file.path}" has an impossibly long target`);
    entry.linkTarget = (await readEntry(file)).toString('utf8');
  } else if (kind === 'file' && isZipName(file.path) && file.uncompressedSize <= NESTED_MAX_BYTES) {
    entry.nestedUnpackedBytes = await unpackedSizeOf(await readEntry(file), limits.maxUnpackedBytes, 1);
  }
  return entry;
}

/** An entry's bytes; a corrupt entry is the archive's fault, said as such. */
async function readEntry(file: ZipFile): Promise<Buffer> {
  try {
    return await file.buffer();
  } catch (err) {
    throw new BadArchive(`entry "${file.path}" cannot be read (${(err as Error).message}); the ZIP is corrupt`);
  }
}

async function listAndCheck(zipPath: string, limits: ArchiveLimits): Promise<{ files: ZipFile[]; checked: CheckedArchive }> {
  const files = await openZip(zipPath);
  const entries: ArchiveEntry[] = [];
  for (const file of files) entries.push(await toEntry(file, limits));
  return { files, checked: checkArchive(entries, limits) };
}

/** Lists and checks the archive; throws BadArchive saying what to fix. */
export async function inspectZip(zipPath: string, limits: ArchiveLimits): Promise<CheckedArchive> {
  return (await listAndCheck(zipPath, limits)).checked;
}

/**
 * Writes one entry. A failure reading or inflating it is the archive's fault (corrupt, truncated,
 * hostile); a failure writing it (disk full) is the system's, and is retried.
 */
async function unpackFile(file: ZipFile, target: string, budget: { left: number }): Promise<void> {
  const source = file.stream();
  let sourceFailed = false;
  source.once('error', () => (sourceFailed = true));
  try {
    await pipeline(source, byteGuard(file.path, file.uncompressedSize, budget), createWriteStream(target, { flags: 'wx' }));
  } catch (err) {
    if (err instanceof BadArchive) throw err;
    if (sourceFailed) throw new BadArchive(`entry "${file.path}" cannot be unpacked (${(err as Error).message}); the ZIP is corrupt`);
    throw err;
  }
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
      await unpackFile(file, target, budget);
    }
  }
  for (const link of links) {
    const target = path.join(dest, link.path);
    await mkdir(path.dirname(target), { recursive: true });
    await symlink(link.linkTarget ?? '', target);
  }
  return checked;
}
