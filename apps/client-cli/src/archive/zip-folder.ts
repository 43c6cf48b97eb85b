import dockerignoreModule from '@balena/dockerignore';
import { ZipArchive } from 'archiver';
import { createWriteStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, readlink, realpath, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { UsageError } from '../errors/usage-error.js';

// Zips a build context the way `docker build` would send it: .dockerignore decides what goes in
// (Docker's own matching rules, via @balena/dockerignore), the Dockerfile and .dockerignore always
// go in, and symlinks stay links as long as they point inside the folder.

export interface ZippedFolder {
  /** The zip, in a fresh temporary folder that `cleanup` removes. */
  path: string;
  bytes: number;
  entries: number;
  cleanup(): Promise<void>;
}

export interface ZipFolderOptions {
  /** Told about each thing left out for a reason other than .dockerignore (links leaving the folder...). */
  onSkip?: (relativePath: string, why: string) => void;
}

/** rwx for owner, group and others: what the scheduler keeps (not setuid, setgid or sticky). */
const PERMISSION_BITS = 0o777;

/** Always sent, like Docker does: the builder needs them even when .dockerignore lists them. */
const ALWAYS_INCLUDED = new Set(['Dockerfile', '.dockerignore']);

// The package is CommonJS (`module.exports = factory`) but its types declare an ES default export,
// which NodeNext reads as `module.exports.default`: the cast restores what the runtime really gives.
const ignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;

type Entry =
  | { kind: 'file'; name: string; absolute: string }
  | { kind: 'dir'; name: string; mode: number }
  | { kind: 'symlink'; name: string; target: string };

export async function zipFolder(folder: string, options: ZipFolderOptions = {}): Promise<ZippedFolder> {
  const root = await realpath(folder);
  const dockerfile = await stat(path.join(root, 'Dockerfile')).catch(() => null);
  if (!dockerfile?.isFile()) {
    throw new UsageError(
      `${folder} has no Dockerfile at its root: DRaaS builds the folder with Docker, so add one (or deploy an image with --image <ref>)`,
    );
  }
  const entries = await collectEntries(root, await readDockerignore(root), options.onSkip ?? (() => undefined));

  const dir = await mkdtemp(path.join(os.tmpdir(), 'draas-upload-'));
  const zipPath = path.join(dir, `${safeBaseName(root)}.zip`);
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const archive = new ZipArchive({ zlib: { level: 6 } });
    for (const entry of entries) {
      if (entry.kind === 'file') archive.file(entry.absolute, { name: entry.name });
      else if (entry.kind === 'dir') archive.append(Buffer.alloc(0), { name: `${entry.name}/`, type: 'directory', mode: entry.mode });
      else archive.symlink(entry.name, entry.target);
    }
    const written = pipeline(archive, createWriteStream(zipPath));
    await archive.finalize();
    await written;
    return { path: zipPath, bytes: (await stat(zipPath)).size, entries: entries.length, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

async function readDockerignore(root: string) {
  const text = await readFile(path.join(root, '.dockerignore'), 'utf8').catch(() => '');
  const patterns = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  return { matcher: ignore().add(patterns), hasExceptions: patterns.some((p) => p.startsWith('!')) };
}

/** Walks the folder; paths in the zip use `/` and are relative to the root, as Docker's are. */
async function collectEntries(
  root: string,
  rules: Awaited<ReturnType<typeof readDockerignore>>,
  onSkip: (relativePath: string, why: string) => void,
): Promise<Entry[]> {
  const entries: Entry[] = [];
  const walk = async (relDir: string): Promise<number> => {
    let kept = 0;
    const names = (await readdir(path.join(root, relDir))).sort();
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      const absolute = path.join(root, rel);
      const info = await lstat(absolute);
      const ignored = !(relDir === '' && ALWAYS_INCLUDED.has(name)) && rules.matcher.ignores(rel);
      if (info.isDirectory()) {
        // Like Docker, an ignored folder is only entered when a `!` rule might bring something back.
        if (ignored && !rules.hasExceptions) continue;
        // Every kept folder has its own entry, so that its mode travels (files' modes travel with
        // them: archiver reads each file's). An ignored one is only implied by what came back.
        const own: Entry | null = ignored ? null : { kind: 'dir', name: rel, mode: info.mode & PERMISSION_BITS };
        if (own) entries.push(own);
        const inside = await walk(rel);
        if (inside > 0 || own) kept++;
        continue;
      }
      if (ignored) continue;
      if (info.isFile()) {
        entries.push({ kind: 'file', name: rel, absolute });
        kept++;
      } else if (info.isSymbolicLink()) {
        const target = await insideLinkTarget(root, absolute);
        if (target === null) onSkip(rel, 'it is a symbolic link pointing outside the folder');
        else {
          entries.push({ kind: 'symlink', name: rel, target });
          kept++;
        }
      } else {
        onSkip(rel, 'it is not a regular file, folder or link');
      }
    }
    return kept;
  };
  await walk('');
  return entries;
}

/**
 * Where the link leads, relative to it, when that is inside `root`; else null. Judged on the fully
 * resolved path (a chain through an outside link must not leak), and written back as a plain relative
 * path, since the scheduler refuses link targets that leave the folder even briefly (`../app/x`).
 */
async function insideLinkTarget(root: string, link: string): Promise<string | null> {
  const resolved = await realpath(link).catch(() => null);
  const target = resolved ?? path.resolve(path.dirname(link), await readlink(link)); // dangling: as written
  if (!isInside(root, target)) return null;
  return path.relative(path.dirname(link), target) || '.';
}

const isInside = (root: string, target: string): boolean => {
  const rel = path.relative(root, target);
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
};

/** The zip's file name is what the scheduler names the deployment after when --name is not given. */
const safeBaseName = (folder: string): string => path.basename(folder).replace(/[^A-Za-z0-9._-]/g, '-') || 'context';
