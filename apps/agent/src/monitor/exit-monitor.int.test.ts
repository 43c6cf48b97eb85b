// The Docker events stream against the real engine: only this agent's containers, and a broken
// stream is reopened (and the agent told to look at the truth again).
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Labels } from '@draas/queue-contracts';
import { parseDockerHost } from '@draas/queue-contracts/runtime';
import { createLogger } from '../logger.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import { BASE_IMAGE, Harness, waitFor } from '../testing/harness.js';
import { ExitMonitor, type ContainerEvent } from './exit-monitor.js';

const infraMissing = inject('infraMissing');

/** The real engine; it only keeps a handle on the open events stream so the test can break it. */
class ObservedRuntime extends DockerRuntime {
  streams: Readable[] = [];
  override async containerEvents(agentId: string): Promise<Readable> {
    const stream = await super.containerEvents(agentId);
    this.streams.push(stream);
    return stream;
  }
}

describe.skipIf(infraMissing !== null)('ExitMonitor (real Docker)', () => {
  let h: Harness;
  const runtime = new ObservedRuntime(parseDockerHost(undefined));
  const events: ContainerEvent[] = [];
  let reconnects = 0;
  let monitor: ExitMonitor;

  beforeAll(async () => {
    h = new Harness(inject('redisUrl'));
    monitor = new ExitMonitor({
      runtime,
      agentId: h.agentId,
      log: createLogger('silent'),
      onEvent: async (event) => void events.push(event),
      onReconnect: () => void reconnects++,
    });
    await monitor.start();
  });

  afterAll(async () => {
    await monitor?.close();
    await h?.cleanup();
  });

  const runLabelled = async (agentId: string, cmd: string) => {
    const container = await h.docker.createContainer({
      Image: BASE_IMAGE,
      Cmd: ['sh', '-c', cmd],
      Labels: { [Labels.managed]: 'true', [Labels.agent]: agentId },
    });
    await container.start();
    return container.id;
  };

  it('sees start and die of its own containers only, with the exit code', async () => {
    const other = await runLabelled(`other-${h.id}`, 'exit 0');
    const mine = await runLabelled(h.agentId, 'exit 7');
    await waitFor('the die event', async () => events.some((e) => e.id === mine && e.Action === 'die'), 30_000);
    expect(events.filter((e) => e.id === mine).map((e) => e.Action)).toEqual(['start', 'die']);
    expect(events.find((e) => e.Action === 'die')?.Actor?.Attributes?.exitCode).toBe('7');
    expect(events.some((e) => e.id === other)).toBe(false);
    await h.docker.getContainer(other).remove({ force: true });
  });

  it('reopens a broken stream, says so, and keeps delivering', async () => {
    expect(reconnects).toBe(0);
    runtime.streams.at(-1)?.destroy();
    await waitFor('the stream to be reopened', async () => reconnects === 1, 10_000);
    const id = await runLabelled(h.agentId, 'exit 0');
    await waitFor('an event on the new stream', async () => events.some((e) => e.id === id && e.Action === 'die'), 30_000);
    expect(runtime.streams).toHaveLength(2);
  });
});
