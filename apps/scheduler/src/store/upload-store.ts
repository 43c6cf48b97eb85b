import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { removeStaleEntries } from '../util/stale-entries.js';

// The uploaded archives on disk, one per deployment, from the first byte received until the build is
// done with them: the API writes one through here, the builder reads and removes it, the janitor sweeps
// what a crash left behind. An upload arrives as `<id>.zip.part` and becomes `<id>.zip` only once checked,
// so the builder never meets a half-written or unchecked archive.

export class UploadStore {
  constructor(private readonly dir: string) {}

  /** The checked archive of a deployment, as the builder reads it. */
  archivePath(deploymentId: string): string {
    return path.join(this.dir, `${deploymentId}.zip`);
  }

  /** Where an upload is written while it arrives (the folder made if need be). */
  async receivingPath(deploymentId: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    return this.partPath(deploymentId);
  }

  /** The upload passed its checks: it becomes the deployment's archive. */
  async keep(deploymentId: string): Promise<void> {
    await rename(this.partPath(deploymentId), this.archivePath(deploymentId));
  }

  /** Removes whatever of the deployment's upload exists, received or kept. */
  async remove(deploymentId: string): Promise<void> {
    await rm(this.partPath(deploymentId), { force: true });
    await rm(this.archivePath(deploymentId), { force: true });
  }

  /** Removes uploads older than a day whose deployment is not live; returns their paths. */
  sweep(live: ReadonlySet<string>): Promise<string[]> {
    return removeStaleEntries(this.dir, live);
  }

  private partPath(deploymentId: string): string {
    return `${this.archivePath(deploymentId)}.part`;
  }
}
