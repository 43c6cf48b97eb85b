import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { LineSplitter } from './line-splitter.js';

// A thin wrapper over the Engine's build: send the context (a tar: context-tar.ts), stream every
// output line to the caller, and say plainly whether the user's build failed (and why) or the engine did.

export interface BuildOptions {
  tag: string;
  dockerfile: string;
  memoryBytes: number;
  timeoutMs: number;
  labels: Record<string, string>;
  /** Aborts the build (cancel). */
  signal: AbortSignal;
}

export type BuildOutcome =
  | { ok: true }
  | { ok: false; reason: 'failed' | 'timeout' | 'aborted'; error: string };

interface BuildEvent {
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

export async function dockerBuild(
  docker: Docker,
  context: Readable,
  options: BuildOptions,
  onLines: (lines: string[]) => void,
): Promise<BuildOutcome> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  const splitter = new LineSplitter();
  let buildError: string | null = null;
  try {
    const stream = await docker.buildImage(context, {
      t: options.tag,
      dockerfile: options.dockerfile,
      memory: options.memoryBytes,
      memswap: options.memoryBytes,
      forcerm: true,
      rm: true,
      labels: options.labels,
      abortSignal: signal,
    });
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (event: BuildEvent) => {
          if (event.stream) onLines(splitter.push(event.stream));
          else if (event.status) onLines([event.status]);
          if (event.error) buildError = event.errorDetail?.message ?? event.error;
        },
      );
    });
  } catch (err) {
    if (timeout.aborted) return { ok: false, reason: 'timeout', error: `the build took longer than ${Math.round(options.timeoutMs / 1000)} s and was stopped` };
    if (options.signal.aborted) return { ok: false, reason: 'aborted', error: 'the build was cancelled' };
    throw err;
  } finally {
    onLines(splitter.flush());
  }
  return buildError === null ? { ok: true } : { ok: false, reason: 'failed', error: buildError };
}
