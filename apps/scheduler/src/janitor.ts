import { imageTag, isTerminalDeployment, type DeploymentRecord } from '@draas/queue-contracts';
import type { SchedulerContext } from './context.js';
import { removeStaleEntries } from './util/stale-entries.js';

// Cleans up after deployments that ended (docs/ARCHITECTURE.md, Images): images the
// build made are removed IMAGE_RETENTION_SECONDS after their deployment ended, unless a live
// deployment (a redeploy) still runs them; leftover upload files (a crash mid-upload) are removed
// after a day. An app's versions keep their images while the app exists: any of them may be rolled
// back to. Containers are the agents' business (AGENT_REMOVE_ENDED_AFTER_SECONDS).

const SWEEP_MS = 10 * 60_000;

const ended = (r: DeploymentRecord): boolean => r.desired === 'cancelled' || isTerminalDeployment(r.status);

export class Janitor {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly ctx: SchedulerContext) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .catch((err: Error) => this.ctx.logger.error({ err }, 'clean-up sweep failed; trying again later'))
        .finally(() => (this.running = null));
    }, SWEEP_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns the images and files it removed. */
  async sweep(): Promise<{ images: string[]; files: string[] }> {
    const records = await this.ctx.deployments.list(100_000);
    const apps = new Set(await this.ctx.apps.names());
    const kept = (r: DeploymentRecord) => !ended(r) || (r.app !== null && apps.has(r.app.name));
    const inUse = new Set(records.filter((r) => kept(r) && r.image).map((r) => r.image as string));
    const cutoff = this.ctx.clock.now() - this.ctx.config.imageRetentionSeconds * 1000;
    const images: string[] = [];
    for (const r of records) {
      if (r.source.kind !== 'archive' || r.image === null || !ended(r) || Date.parse(r.updatedAt) > cutoff || inUse.has(r.image)) continue;
      // The build's local tag, and its name under the registry when it was pushed (the registry's copy stays).
      for (const tag of new Set([imageTag(r.spec.name, r.id), r.image])) {
        if (await this.removeImage(tag)) images.push(tag);
      }
    }
    const files = await this.removeStaleUploads(new Set(records.filter((r) => !ended(r)).map((r) => r.id)));
    if (images.length || files.length) this.ctx.logger.info({ images, files }, 'cleaned up after ended deployments');
    return { images, files };
  }

  /** Untags (and so frees, when it was the last tag) an image; one still used by a container stays. */
  private async removeImage(tag: string): Promise<boolean> {
    try {
      await this.ctx.docker.getImage(tag).remove();
      return true;
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404 || status === 409) return false; // gone already, or a container still uses it
      throw err;
    }
  }

  /** Uploads and build folders a crash left behind (see util/stale-entries.ts). */
  private async removeStaleUploads(live: ReadonlySet<string>): Promise<string[]> {
    return [...(await this.ctx.uploads.sweep(live)), ...(await removeStaleEntries(this.ctx.config.buildDir, live))];
  }
}
