import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/** Leftovers of a crash (mid-upload, mid-build) are removed after this long. */
const STALE_AFTER_MS = 24 * 3600_000;

/**
 * Removes the entries of `dir` named after a deployment (`<id>.…` or `<id>-…`) that is not in `live`
 * and that were last changed more than STALE_AFTER_MS ago; returns their paths.
 */
export async function removeStaleEntries(dir: string, live: ReadonlySet<string>): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const id = name.split(/[.-]/)[0] ?? '';
    const file = path.join(dir, name);
    if (live.has(id) || Date.now() - (await stat(file)).mtimeMs < STALE_AFTER_MS) continue;
    await rm(file, { recursive: true, force: true });
    removed.push(file);
  }
  return removed;
}
