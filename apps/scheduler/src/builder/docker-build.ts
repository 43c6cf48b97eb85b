import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { LineSplitter } from '@draas/queue-contracts/runtime';

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

/**
 * Longest message read from the engine's build stream (one JSON object a line). Docker 20.10 sends
 * output in messages of at most 32 KiB; the cap only keeps a broken stream from growing one without bound.
 */
const MAX_ENGINE_MESSAGE_CHARS = 1024 * 1024;

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
  // The user's output, in lines of at most MAX_LINE_CHARS (longer ones cut, marked).
  const output = new LineSplitter();
  let buildError: string | null = null;
  const handle = (message: string): void => {
    if (message.trim() === '') return;
    const event = parseEvent(message);
    if (event.stream) onLines(output.push(event.stream));
    else if (event.status) onLines([event.status]);
    if (event.error) buildError = event.errorDetail?.message ?? event.error;
  };
  // Over-long, it can be no output message (those are small): most likely the error of a step whose
  // command is that long. Unread, the build cannot count as a success.
  const messages = new LineSplitter({
    maxLineChars: MAX_ENGINE_MESSAGE_CHARS,
    dropOverlong: () => (buildError ??= `the engine sent a message longer than ${MAX_ENGINE_MESSAGE_CHARS} characters; it was not read`),
  });
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
    // Read here, not by modem.followProgress: that keeps every message of the build until it ends.
    for await (const chunk of stream) for (const message of messages.push(chunk)) handle(message);
    for (const message of messages.end()) handle(message);
    signal.throwIfAborted();
  } catch (err) {
    if (timeout.aborted) return { ok: false, reason: 'timeout', error: `the build took longer than ${Math.round(options.timeoutMs / 1000)} s and was stopped` };
    if (options.signal.aborted) return { ok: false, reason: 'aborted', error: 'the build was cancelled' };
    throw err;
  } finally {
    onLines(output.end());
  }
  return buildError === null ? { ok: true } : { ok: false, reason: 'failed', error: buildError };
}

function parseEvent(message: string): BuildEvent {
  try {
    return JSON.parse(message) as BuildEvent;
  } catch {
    throw new Error(`unreadable message from the engine's build stream: ${message.slice(0, 200)}`);
  }
}
