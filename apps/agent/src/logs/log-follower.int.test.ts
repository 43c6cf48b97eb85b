import { Channels, Labels, parseDockerHost } from '@draas/queue-contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../logger.js';
import { redisClock } from '../redis/redis-clock.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import { BASE_IMAGE, Harness, waitFor } from '../testing/harness.js';
import { LogFollower } from './log-follower.js';
import { RedisLogSink } from './log-sink.js';

const infraMissing = inject('infraMissing');

describe.skipIf(infraMissing !== null)('LogFollower.complete (real Docker)', () => {
  let h: Harness;
  beforeAll(() => {
    h = new Harness(inject('redisUrl'));
  });
  afterAll(async () => {
    await h.cleanup();
  });

  it('ships exactly the lines a follow stream that ended early did not deliver', async () => {
    const runtime = new DockerRuntime(parseDockerHost(undefined));
    const container = await h.docker.createContainer({
      Image: BASE_IMAGE,
      // 20,000 lines over about a second, so that following can be cut off in the middle.
      Cmd: ['sh', '-c', 'i=0; while [ $i -lt 20 ]; do seq $((i*1000+1)) $((i*1000+1000)); i=$((i+1)); sleep 0.05; done; echo err-line >&2; printf "no newline at the end"'],
      Labels: { [Labels.agent]: h.agentId },
    });
    const deploymentId = 'abcdefabcdef';
    const follower = new LogFollower(
      { runtime, sink: new RedisLogSink(h.redis, h.keys, Channels(h.prefix), 100_000), clock: await redisClock(h.redis), log: createLogger('silent') },
      { containerId: container.id, deploymentId, index: 0 },
    );
    await container.start();
    await follower.start(null);
    // As Docker 20.10 sometimes does: the follow stream ends after part of the output.
    await waitFor(async () => (await h.logLines(deploymentId)).length > 0 || null, 'some lines shipped', 10_000);
    await follower.stop({ keepPartial: true });
    await container.wait();

    const recovered = await follower.complete();
    const lines = (await h.logLines(deploymentId)).filter((l) => l.phase === 'run');
    const stdout = lines.filter((l) => l.stream === 'stdout').map((l) => l.line);
    expect(recovered).toBeGreaterThan(0);
    expect(stdout).toEqual([...Array.from({ length: 20000 }, (_, i) => String(i + 1)), 'no newline at the end']);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['err-line']);
  });
});
