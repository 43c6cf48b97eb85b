import type { Readable } from 'node:stream';
import { LineSplitter } from '@draas/queue-contracts/runtime';
import type { Logger } from '../logger.js';
import type { DockerRuntime } from '../runtime/docker-runtime.js';
import { sleep } from '../util/sleep.js';

/** The fields of a Docker container event the agent reads. */
export interface ContainerEvent {
  Action: string;
  id: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export interface ExitMonitorDeps {
  runtime: DockerRuntime;
  agentId: string;
  log: Logger;
  onEvent(event: ContainerEvent): Promise<void>;
  /** Events may have been missed (the stream was down, or one was too long to read): the caller looks at the truth again. */
  onReconnect(): void;
}

const BACKOFF_MS = [500, 1000, 2000, 5000];
/**
 * Longest event read (one JSON object a line). An event carries its container's labels, the image's
 * included, so it may outgrow a log line's cap; a longer one is dropped rather than cut (a cut object
 * cannot be parsed), and the truth is looked at again instead.
 */
const MAX_EVENT_CHARS = 1024 * 1024;

/**
 * One Docker events stream (die, oom, start of this agent's containers), reopened whenever it ends
 * or fails, with a short backoff. Events are handled one at a time, in order.
 */
export class ExitMonitor {
  private readonly abort = new AbortController();
  private stream: Readable | null = null;
  private loop: Promise<void> | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ExitMonitorDeps) {}

  /** Resolves once the first stream is open (or failed to open: the loop keeps trying). */
  async start(): Promise<void> {
    let opened!: () => void;
    const firstOpen = new Promise<void>((resolve) => (opened = resolve));
    this.loop = this.run(opened);
    await firstOpen;
  }

  private async run(opened: () => void): Promise<void> {
    for (let failures = 0, first = true; !this.abort.signal.aborted; first = false) {
      try {
        this.stream = await this.deps.runtime.containerEvents(this.deps.agentId);
        failures = 0;
        opened();
        if (!first) this.deps.onReconnect();
        await this.consume(this.stream);
        if (!this.abort.signal.aborted) this.deps.log.warn('docker events stream ended; reopening');
      } catch (err) {
        opened();
        failures++;
        if (!this.abort.signal.aborted) this.deps.log.warn({ err: (err as Error).message, failures }, 'docker events stream failed; reopening');
      }
      await sleep(BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)] ?? 5000, this.abort.signal);
    }
  }

  private consume(stream: Readable): Promise<void> {
    const splitter = new LineSplitter({
      maxLineChars: MAX_EVENT_CHARS,
      dropOverlong: () => {
        this.deps.log.warn({ maxChars: MAX_EVENT_CHARS }, 'docker event too long to read: dropped; looking at the containers again');
        this.deps.onReconnect();
      },
    });
    return new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => this.dispatch(splitter.push(chunk)));
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', (err) => {
        this.deps.log.warn({ err: err.message }, 'docker events stream error');
        resolve();
      });
    });
  }

  private dispatch(lines: string[]): void {
    for (const line of lines) {
      if (line.trim() === '') continue;
      let event: ContainerEvent;
      try {
        event = JSON.parse(line) as ContainerEvent;
      } catch {
        this.deps.log.warn({ line: line.slice(0, 200) }, 'unreadable docker event');
        continue;
      }
      this.queue = this.queue.then(() =>
        this.deps.onEvent(event).catch((err: unknown) =>
          // The reconcile pass reports the truth later; the failure itself must still be seen.
          this.deps.log.error({ err: (err as Error).message, action: event.Action, containerId: event.id?.slice(0, 12) }, 'handling a docker event failed'),
        ),
      );
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    this.stream?.destroy();
    await this.loop;
    await this.queue;
  }
}
