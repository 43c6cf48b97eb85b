import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Labels, registryImageRef, splitImageRef, type DeploymentRecord } from '@draas/queue-contracts';
import { unpackContext } from '../archive/zip-reader.js';
import type { SchedulerContext } from '../context.js';
import { localImageId } from '../images/local-image.js';
import { pushImage } from '../images/registry-push.js';
import { contextTar } from './context-tar.js';
import { dockerBuild, type BuildOutcome } from './docker-build.js';

// What the build worker (build-worker.ts) does outside the cluster's records: the upload on disk, the
// Docker engine, the registry, and which archive built which image. The build worker decides; this
// does. The real one is Docker's (below); the build worker's unit tests give their own.

/** A push taking longer than this is given up (agents then download from the scheduler). */
const PUSH_TIMEOUT_MS = 10 * 60_000;

export interface BuildTools {
  /** Unpacks the deployment's checked archive and builds it as `tag`; throws BadArchive for a bad one. */
  build(deploymentId: string, tag: string, attempt: number, signal: AbortSignal, onLines: (lines: string[]) => void): Promise<BuildOutcome>;
  /** The content id the engine has for `tag`, or null. */
  imageId(tag: string): Promise<string | null>;
  /** Tags an image built before as `tag`; false when that image is gone (pruned). */
  retag(previous: string, tag: string): Promise<boolean>;
  /** Where a push of this deployment's image goes, or null when no registry is configured. */
  registryTarget(record: DeploymentRecord): { ref: string; server: string } | null;
  /** Pushes `tag` as `ref`; throws when the push fails. */
  push(tag: string, ref: string, onLines: (lines: string[]) => void): Promise<void>;
  /** The tag an identical archive built as before, or null. */
  builtBefore(sha256: string): Promise<string | null>;
  rememberBuilt(sha256: string, tag: string): Promise<void>;
  /** The uploaded archive is no longer needed. */
  removeUpload(deploymentId: string): Promise<void>;
}

export function dockerBuildTools(ctx: Pick<SchedulerContext, 'config' | 'docker' | 'uploads' | 'builtImages'>): BuildTools {
  const { config, docker, uploads, builtImages } = ctx;
  return {
    async build(deploymentId, tag, attempt, signal, onLines) {
      const contextDir = path.join(config.buildDir, `${deploymentId}-${attempt}`);
      try {
        await rm(contextDir, { recursive: true, force: true });
        const checked = await unpackContext(uploads.archivePath(deploymentId), contextDir, config.archive);
        return await dockerBuild(
          docker,
          contextTar(contextDir, checked.entries),
          {
            tag,
            dockerfile: checked.dockerfile,
            memoryBytes: config.build.memoryBytes,
            timeoutMs: config.build.timeoutMs,
            labels: { [Labels.managed]: 'true', [Labels.deployment]: deploymentId },
            signal,
          },
          onLines,
        );
      } finally {
        await rm(contextDir, { recursive: true, force: true });
      }
    },
    imageId: (tag) => localImageId(docker, tag),
    async retag(previous, tag) {
      try {
        await docker.getImage(previous).tag(splitImageRef(tag));
        return true;
      } catch (err) {
        // The earlier image is gone (pruned): build again. Anything else is a real failure.
        if ((err as { statusCode?: number }).statusCode === 404) return false;
        throw err;
      }
    },
    registryTarget: (record) =>
      config.registry ? { ref: registryImageRef(config.registry, record.spec.name, record.id), server: config.registry.server } : null,
    async push(tag, ref, onLines) {
      if (!config.registry) throw new Error('no registry is configured');
      await pushImage(docker, config.registry, tag, ref, PUSH_TIMEOUT_MS, onLines);
    },
    builtBefore: (sha256) => builtImages.find(sha256),
    rememberBuilt: (sha256, tag) => builtImages.remember(sha256, tag),
    removeUpload: (deploymentId) => uploads.remove(deploymentId),
  };
}
