import type Docker from 'dockerode';
import { splitImageRef, type RegistryConfig } from '@draas/queue-contracts';

interface PushEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Tags the built image as `ref` (a name under the registry) and pushes it; every step that is not a
 * progress tick goes to `onLines`. Errors the engine reports inside the stream reject.
 */
export async function pushImage(
  docker: Docker,
  registry: RegistryConfig,
  localTag: string,
  ref: string,
  timeoutMs: number,
  onLines: (lines: string[]) => void,
): Promise<void> {
  await docker.getImage(localTag).tag(splitImageRef(ref));
  const authconfig = registry.auth ? { ...registry.auth, serveraddress: registry.server } : undefined;
  const stream = await docker.getImage(ref).push({ ...(authconfig ? { authconfig } : {}), abortSignal: AbortSignal.timeout(timeoutMs) });
  let failure: string | null = null;
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err: Error | null) => (err ? reject(err) : resolve()),
      (event: PushEvent) => {
        if (event.error) failure = event.errorDetail?.message ?? event.error;
        else if (event.status && !event.progressDetail?.current) onLines([event.id ? `${event.id}: ${event.status}` : event.status]);
      },
    );
  });
  if (failure !== null) throw new Error(failure);
}
