// Follows GET /api/events for benchmarks: resolves a promise when a deployment reaches a status.
import { ClusterEvent } from '@draas/queue-contracts';
import { readSse, SseParser } from '../apps/client-cli/src/follow/sse-parser.js';
import type { Cluster } from '../test/harness.js';

export interface EventWatch {
  /** Resolves with the time (performance.now()) the deployment's event with this status arrived. */
  when(deploymentId: string, status: string): Promise<number>;
  close(): void;
}

export async function watchEvents(cluster: Cluster): Promise<EventWatch> {
  const controller = new AbortController();
  const res = await cluster.api('/api/events', { signal: controller.signal });
  const seen = new Map<string, number>();
  const waiting = new Map<string, (t: number) => void>();
  void (async () => {
    try {
      for await (const event of readSse(res.body as ReadableStream<Uint8Array>, new SseParser())) {
        if (event.event !== 'deployment') continue;
        const at = performance.now();
        const parsed = ClusterEvent.parse(JSON.parse(event.data));
        if (parsed.type !== 'deployment') continue;
        const key = `${parsed.deploymentId}/${parsed.status}`;
        if (!seen.has(key)) seen.set(key, at);
        waiting.get(key)?.(at);
      }
    } catch {
      // closed by close()
    }
  })();
  return {
    when(deploymentId, status) {
      const key = `${deploymentId}/${status}`;
      const at = seen.get(key);
      if (at !== undefined) return Promise.resolve(at);
      return new Promise((resolve) => waiting.set(key, resolve));
    },
    close: () => controller.abort(),
  };
}
