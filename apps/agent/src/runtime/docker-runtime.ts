import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import type { ContainerCreateOptions, ContainerInfo, ContainerInspectInfo } from 'dockerode';
import { Labels, splitImageRef } from '@draas/queue-contracts';
import { dockerMessage, dockerStatusCode } from './docker-errors.js';
import type { DockerConnection } from '@draas/queue-contracts/runtime';

/**
 * The few engine calls the agent makes, kept thin: no decisions here, and every failure reaches the
 * caller (only "already in that state" answers are treated as success).
 */
export class DockerRuntime {
  readonly docker: Docker;

  constructor(connection: DockerConnection) {
    this.docker = new Docker(connection);
  }

  async ping(): Promise<void> {
    await this.docker.ping();
  }

  async engineVersion(): Promise<string> {
    return (await this.docker.version()).Version;
  }

  async dataRoot(): Promise<string> {
    return ((await this.docker.info()) as { DockerRootDir?: string }).DockerRootDir ?? '/var/lib/docker';
  }

  /** The image's content id and EXPOSE ports (`8080/tcp`), or null when the image is not on this engine. */
  async imageInfo(image: string): Promise<{ id: string; exposed: string[] } | null> {
    try {
      const info = await this.docker.getImage(image).inspect();
      return { id: info.Id, exposed: Object.keys(info.Config?.ExposedPorts ?? {}) };
    } catch (err) {
      if (dockerStatusCode(err) === 404) return null;
      throw err;
    }
  }

  /** Pulls and waits for the end; errors reported inside the progress stream reject too. */
  async pullImage(image: string, timeoutMs: number, auth: { username: string; password: string; serveraddress: string } | null): Promise<void> {
    const signal = AbortSignal.timeout(timeoutMs);
    const stream = (await this.docker.pull(image, { ...(auth ? { authconfig: auth } : {}), abortSignal: signal })) as Readable;
    await this.followToEnd(stream, signal, `pull did not finish within ${Math.round(timeoutMs / 1000)} s`);
  }

  /** `docker load` of a tar stream (what `docker save` writes); errors reported inside the answer reject. */
  async loadImage(tar: Readable, signal: AbortSignal): Promise<void> {
    const stream = (await this.docker.loadImage(tar, { quiet: true, abortSignal: signal })) as Readable;
    await this.followToEnd(stream, signal, 'the image load was stopped');
  }

  /** Whether any container (running or not, DRaaS's or not) was made from this image. */
  async imageInUse(imageId: string): Promise<boolean> {
    return (await this.docker.listContainers({ all: true, filters: { ancestor: [imageId] } })).length > 0;
  }

  /** Removes the image and all its names; 'in-use' when a container holds it, 'gone' when it was not there. */
  async removeImage(imageId: string): Promise<'removed' | 'in-use' | 'gone'> {
    try {
      // force: an image with several names is removed whole (the caller made sure no container uses it).
      await this.docker.getImage(imageId).remove({ force: true });
      return 'removed';
    } catch (err) {
      const status = dockerStatusCode(err);
      if (status === 404) return 'gone';
      if (status === 409) return 'in-use';
      throw err;
    }
  }

  /** Gives the image another name (`repo:tag`). */
  async tagImage(imageId: string, ref: string): Promise<void> {
    await this.docker.getImage(imageId).tag(splitImageRef(ref));
  }

  private async followToEnd(stream: Readable, signal: AbortSignal, abortMessage: string): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        stream.destroy();
        reject(new Error(abortMessage));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.docker.modem.followProgress(stream, (err: Error | null) => {
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** Null when there is no such container. */
  async inspectContainer(idOrName: string): Promise<ContainerInspectInfo | null> {
    try {
      return await this.docker.getContainer(idOrName).inspect();
    } catch (err) {
      if (dockerStatusCode(err) === 404) return null;
      throw err;
    }
  }

  async createContainer(spec: ContainerCreateOptions): Promise<string> {
    return (await this.docker.createContainer(spec)).id;
  }

  async startContainer(id: string): Promise<void> {
    await ignoreStatus(this.docker.getContainer(id).start(), 304);
  }

  /** `docker stop -t grace`: SIGTERM, then SIGKILL after the grace period. */
  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    await ignoreStatus(this.docker.getContainer(id).stop({ t: graceSeconds }), 304, 404);
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (err) {
      // 404: already gone; 409 "removal already in progress": someone else is finishing the job.
      const status = dockerStatusCode(err);
      if (status === 404 || (status === 409 && /already in progress/i.test(dockerMessage(err)))) return;
      throw err;
    }
  }

  /** Every container (stopped ones too) labelled as this agent's. */
  async listManaged(agentId: string, onlyRunning = false): Promise<ContainerInfo[]> {
    return this.docker.listContainers({
      all: !onlyRunning,
      filters: { label: [`${Labels.agent}=${agentId}`, `${Labels.managed}=true`] },
    });
  }

  /** Docker events about this agent's containers, as a stream of JSON objects. */
  async containerEvents(agentId: string): Promise<Readable> {
    return (await this.docker.getEvents({
      filters: { type: ['container'], label: [`${Labels.agent}=${agentId}`], event: ['die', 'oom', 'start'] },
    })) as unknown as Readable;
  }

  /** A multiplexed follow stream of the container's output; `sinceSeconds` skips what was shipped. */
  async followLogs(id: string, sinceSeconds: number | null): Promise<Readable> {
    const stream = await this.docker.getContainer(id).logs({
      follow: true,
      stdout: true,
      stderr: true,
      // Each entry's time tells a later re-read exactly where this stream stopped.
      timestamps: true,
      ...(sinceSeconds !== null ? { since: sinceSeconds } : {}),
    });
    return stream as unknown as Readable;
  }

  /** Everything the container printed (since `sinceSeconds`), read once: complete for an ended container. */
  async readLogs(id: string, sinceSeconds: number | null): Promise<Buffer> {
    const data = await this.docker.getContainer(id).logs({
      // Bounded: an exit report waits for this.
      abortSignal: AbortSignal.timeout(30_000),
      follow: false,
      stdout: true,
      stderr: true,
      timestamps: true,
      ...(sinceSeconds !== null ? { since: sinceSeconds } : {}),
    });
    return data as unknown as Buffer;
  }

}

async function ignoreStatus(call: Promise<unknown>, ...statuses: number[]): Promise<void> {
  try {
    await call;
  } catch (err) {
    const status = dockerStatusCode(err);
    if (status !== null && statuses.includes(status)) return;
    throw err;
  }
}
