import path from 'node:path/posix';
import { BadArchive } from '../errors.js';

// Pure checks of a ZIP's entry list (docs/ARCHITECTURE.md, One deployment, step 4), run on upload
// before anything is enqueued and again before unpacking. Nothing here reads a file: the caller lists
// the entries.

export type EntryKind = 'file' | 'directory' | 'symlink' | 'special';

export interface ArchiveEntry {
  /** The path as stored in the ZIP. */
  path: string;
  kind: EntryKind;
  /** Permission bits (0o755) the build context gives it; links have none that count. */
  mode?: number;
  compressedBytes: number;
  uncompressedBytes: number;
  /** For symlinks: where the link points (its stored content). */
  linkTarget?: string;
  /** Where the entry's local header starts in the file, and its name's length (to find overlaps). */
  localHeaderOffset?: number;
  nameBytes?: number;
  /** For entries that are ZIP files themselves: what they unpack to, all levels included. */
  nestedUnpackedBytes?: number;
}

export interface ArchiveLimits {
  maxEntries: number;
  maxUnpackedBytes: number;
  maxCompressionRatio: number;
}

export interface CheckedArchive {
  /** The folder inside the archive that is the build context: '' (root) or 'top/'. */
  contextPrefix: string;
  /** The Dockerfile's name inside the context ('Dockerfile' or 'dockerfile'). */
  dockerfile: string;
  files: number;
  unpackedBytes: number;
  /** Entries in the build context, with paths relative to it (junk such as __MACOSX/ left out). */
  entries: ArchiveEntry[];
}

/** Entries that archivers add and that are never part of a project. */
const isJunk = (p: string): boolean => p.startsWith('__MACOSX/') || p === '.DS_Store' || p.endsWith('/.DS_Store');

/** Ratios are only meaningful for entries big enough to hurt: small files of zeros compress 1000:1 harmlessly. */
const RATIO_MIN_BYTES = 1024 * 1024;

/** The entry's path made canonical ('a/b/' → 'a/b'), or a BadArchive naming why it is unsafe. */
export function normaliseEntryPath(raw: string): string {
  if (raw.includes('\0')) throw new BadArchive(`entry "${raw.replace(/\0/g, '\\0')}" has a NUL byte in its name`);
  const p = raw.replace(/\\/g, '/');
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) {
    throw new BadArchive(`entry "${raw}" has an absolute path; archive the folder's contents with relative paths`);
  }
  if (p.split('/').includes('..')) {
    throw new BadArchive(`entry "${raw}" contains "..", which would write outside the build folder; remove it from the ZIP`);
  }
  const normal = path.normalize(p).replace(/\/+$/, '');
  if (normal === '' || normal === '.') throw new BadArchive(`entry "${raw}" has an empty name`);
  return normal;
}

function checkSymlink(entry: ArchiveEntry, normal: string): void {
  const target = entry.linkTarget ?? '';
  const resolved = path.normalize(path.join(path.dirname(normal), target));
  if (target === '' || target.startsWith('/') || resolved === '..' || resolved.startsWith('../')) {
    throw new BadArchive(`symlink "${entry.path}" points outside the archive (to "${target}"); replace it with the file itself`);
  }
}

function checkRatio(entry: ArchiveEntry, limits: ArchiveLimits): void {
  if (entry.uncompressedBytes < RATIO_MIN_BYTES) return;
  const ratio = entry.uncompressedBytes / Math.max(1, entry.compressedBytes);
  if (ratio > limits.maxCompressionRatio) {
    throw new BadArchive(
      `entry "${entry.path}" expands ${Math.round(ratio)}× (over the limit of ${limits.maxCompressionRatio}×); this looks like a ZIP bomb`,
    );
  }
}

/** Finds the build context: the root when it has a Dockerfile, else the single top folder when that has one. */
function findContext(paths: ReadonlySet<string>): { contextPrefix: string; dockerfile: string } {
  for (const name of ['Dockerfile', 'dockerfile']) if (paths.has(name)) return { contextPrefix: '', dockerfile: name };
  const tops = new Set([...paths].map((p) => p.split('/')[0] as string));
  if (tops.size === 1) {
    const [top] = tops as Set<string>;
    for (const name of ['Dockerfile', 'dockerfile']) {
      if (paths.has(`${top}/${name}`)) return { contextPrefix: `${top}/`, dockerfile: name };
    }
  }
  throw new BadArchive(
    'no Dockerfile found: put a file named Dockerfile at the root of the ZIP (or inside its single top folder)',
  );
}

/** Size of a local file header without its name and extra field. */
const LOCAL_HEADER_BYTES = 30;

/**
 * Entries whose data overlap (several names pointing into the same compressed bytes) are how a small
 * ZIP unpacks to terabytes without nesting ("non-recursive" bombs). Real archivers never write them.
 */
function checkOverlaps(entries: readonly ArchiveEntry[]): void {
  const placed = entries
    .filter((e): e is ArchiveEntry & { localHeaderOffset: number } => e.localHeaderOffset !== undefined)
    .sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  for (let i = 1; i < placed.length; i++) {
    const before = placed[i - 1] as ArchiveEntry & { localHeaderOffset: number };
    const minimumEnd = before.localHeaderOffset + LOCAL_HEADER_BYTES + (before.nameBytes ?? 0) + before.compressedBytes;
    if ((placed[i] as ArchiveEntry & { localHeaderOffset: number }).localHeaderOffset < minimumEnd) {
      throw new BadArchive(`entries "${before.path}" and "${placed[i]?.path}" share their data; this looks like a ZIP bomb`);
    }
  }
}

function checkNested(entry: ArchiveEntry, limits: ArchiveLimits): void {
  if (entry.nestedUnpackedBytes === undefined) return;
  if (entry.nestedUnpackedBytes > limits.maxUnpackedBytes) {
    throw new BadArchive(`"${entry.path}" is a ZIP that unpacks to more than ${limits.maxUnpackedBytes} bytes; this looks like a nested ZIP bomb`);
  }
  const ratio = entry.nestedUnpackedBytes / Math.max(1, entry.compressedBytes);
  if (entry.nestedUnpackedBytes >= RATIO_MIN_BYTES && ratio > limits.maxCompressionRatio) {
    throw new BadArchive(`"${entry.path}" is a ZIP that expands ${Math.round(ratio)}× (over ${limits.maxCompressionRatio}×); this looks like a nested ZIP bomb`);
  }
}

export function checkArchive(entries: readonly ArchiveEntry[], limits: ArchiveLimits): CheckedArchive {
  if (entries.length === 0) throw new BadArchive('the ZIP is empty; it must contain your source code and a Dockerfile');
  checkOverlaps(entries);
  if (entries.length > limits.maxEntries) {
    throw new BadArchive(`the ZIP has ${entries.length} entries, over the limit of ${limits.maxEntries}; leave out dependencies and build output`);
  }
  const seen = new Map<string, ArchiveEntry>();
  let unpacked = 0;
  let packed = 0;
  for (const entry of entries) {
    const normal = normaliseEntryPath(entry.path);
    if (isJunk(normal + (entry.kind === 'directory' ? '/' : ''))) continue;
    if (entry.kind === 'special') {
      throw new BadArchive(`entry "${entry.path}" is a device, socket or pipe; only files, folders and links are allowed`);
    }
    if (entry.kind === 'symlink') checkSymlink(entry, normal);
    const previous = seen.get(normal);
    if (previous && !(previous.kind === 'directory' && entry.kind === 'directory')) {
      throw new BadArchive(`entry "${normal}" appears twice in the ZIP`);
    }
    checkRatio(entry, limits);
    checkNested(entry, limits);
    unpacked += entry.uncompressedBytes;
    packed += entry.compressedBytes;
    if (unpacked > limits.maxUnpackedBytes) {
      throw new BadArchive(`the ZIP unpacks to more than ${limits.maxUnpackedBytes} bytes (the limit); leave out large files`);
    }
    seen.set(normal, { ...entry, path: normal });
  }
  if (unpacked >= RATIO_MIN_BYTES && unpacked / Math.max(1, packed) > limits.maxCompressionRatio) {
    throw new BadArchive(`the ZIP expands ${Math.round(unpacked / Math.max(1, packed))}× overall (over ${limits.maxCompressionRatio}×); this looks like a ZIP bomb`);
  }
  const { contextPrefix, dockerfile } = findContext(new Set(seen.keys()));
  const inContext = [...seen.values()]
    .filter((e) => e.path.startsWith(contextPrefix) && e.path !== contextPrefix.replace(/\/$/, ''))
    .map((e) => ({ ...e, path: e.path.slice(contextPrefix.length) }));
  return {
    contextPrefix,
    dockerfile,
    files: inContext.filter((e) => e.kind === 'file').length,
    unpackedBytes: unpacked,
    entries: inContext,
  };
}
