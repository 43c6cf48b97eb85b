// Logs that are never lost: every line a container prints reaches a live SSE client, in order; a
// client that reconnects with Last-Event-ID gets the rest with no gap and no duplicate.
import { LogLine, SseEvents, type LogPage } from '@draas/queue-contracts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readSse, SseParser } from '../apps/client-cli/src/follow/sse-parser.js';
import { startCluster, type Cluster } from './harness.js';
import { makeZip } from './zip-fixtures.js';

const infraMissing = inject('infraMissing');

const image = (cmd: string) => makeZip([{ name: 'Dockerfile', data: `FROM draas/busybox:local\nCMD ["sh", "-c", ${JSON.stringify(cmd)}]\n` }]);

interface Followed {
  lines: LogLine[];
  events: string[];
  lastId: string | null;
  /** The deployment status the `end` event carried. */
  endStatus: string | null;
}

/**
 * Follows a deployment's log over SSE until the `end` event, or until `stopAfterRunLines` run lines
 * arrived (then it hangs up, like a client losing its connection).
 */
async function follow(cluster: Cluster, id: string, options: { lastEventId?: string; stopAfterRunLines?: number } = {}): Promise<Followed> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  const res = await cluster.api(`/api/deployments/${id}/logs`, { headers, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const out: Followed = { lines: [], events: [], lastId: null, endStatus: null };
  let runLines = 0;
  try {
    for await (const event of readSse(res.body as ReadableStream<Uint8Array>, new SseParser())) {
      out.events.push(event.event);
      if (event.event === SseEvents.log) {
        const line = LogLine.parse(JSON.parse(event.data));
        out.lines.push(line);
        out.lastId = event.id;
        if (line.phase === 'run' && ++runLines === options.stopAfterRunLines) {
          controller.abort();
          break;
        }
      }
      if (event.event === SseEvents.end) {
        out.endStatus = (JSON.parse(event.data) as { status: string }).status;
        break;
      }
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  }
  return out;
}

const runText = (lines: LogLine[]) => lines.filter((l) => l.phase === 'run').map((l) => l.line);
const range = (from: number, to: number, format = (n: number) => String(n)) => Array.from({ length: to - from + 1 }, (_, i) => format(from + i));

describe.skipIf(infraMissing !== null)('logs', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(inject('redisUrl'));
    // The default 2 s heartbeat: these containers flood the agent, and with the harness's 500 ms beat
    // a loaded machine can miss three of them (1.5 s), which reads as a dead agent (not what is tested here).
    await cluster.startAgent('talker', { HEARTBEAT_MS: '2000' });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('delivers all of 100,000 lines printed as fast as possible to a live SSE client, in order', async () => {
    const created = await cluster.upload(image('seq 1 100000'), { name: 'flood', restart: 'no' });
    const started = Date.now();
    const followed = await follow(cluster, created.id);
    const seconds = (Date.now() - started) / 1000;
    expect(followed.events.at(-1)).toBe(SseEvents.end);
    expect(followed.events).not.toContain(SseEvents.gap);
    const run = runText(followed.lines);
    if (run.length !== 100_000 || followed.endStatus !== 'exited') {
      // Seen once in a loaded CI run and not since: what the agent and the scheduler said, to find why.
      const agent = cluster.agents.get('talker')?.output.slice(-40) ?? [];
      const scheduler = cluster.scheduler.output.filter((l) => /"level":(40|50)/.test(l)).slice(-20);
      expect.fail(`${run.length} of 100,000 lines arrived (last ${run.at(-1)}; ended ${followed.endStatus}; events ${followed.events.slice(-5).join(', ')})\nagent:\n${agent.join('\n')}\nscheduler warnings:\n${scheduler.join('\n')}`);
    }
    expect(run.length).toBe(100_000);
    expect(run).toEqual(range(1, 100_000));
    // Build lines came first, in the same stream, and ids only ever grow.
    expect(followed.lines[0]?.phase).toBe('system');
    expect(followed.lines.some((l) => l.phase === 'build')).toBe(true);
    const ids = followed.lines.map((l) => l.id);
    expect(ids.every((id, i) => i === 0 || compareIds(ids[i - 1] as string, id) < 0)).toBe(true);
    expect((await cluster.deployment(created.id)).status).toBe('exited');
    console.log(`100,000 lines followed live in ${seconds.toFixed(1)} s`);

    // The history keeps about LOG_HISTORY_LINES (10,000): resuming from the first line says plainly
    // that lines were trimmed, then gives what is left, in order.
    const firstRun = followed.lines.find((l) => l.phase === 'run') as LogLine;
    const late = await follow(cluster, created.id, { lastEventId: firstRun.id });
    expect(late.events[0]).toBe(SseEvents.gap);
    const rest = runText(late.lines).map(Number);
    expect(rest.length).toBeGreaterThan(5_000);
    expect(rest.length).toBeLessThan(100_000);
    expect(rest.at(-1)).toBe(100_000);
    expect(rest).toEqual(range(rest[0] as number, 100_000).map(Number));
  });

  it('resumes with Last-Event-ID with no gap and no duplicate', async () => {
    const created = await cluster.upload(image('i=0; while [ $i -lt 3000 ]; do i=$((i+1)); echo "line $i"; if [ $((i % 100)) -eq 0 ]; then sleep 0.05; fi; done'), { name: 'resumable', restart: 'no' });
    const first = await follow(cluster, created.id, { stopAfterRunLines: 700 });
    expect(runText(first.lines)).toEqual(range(1, 700, (n) => `line ${n}`));
    await new Promise((r) => setTimeout(r, 500)); // the container keeps printing meanwhile
    const rest = await follow(cluster, created.id, { lastEventId: first.lastId as string });
    expect(rest.events.at(-1)).toBe(SseEvents.end);
    expect(runText([...first.lines, ...rest.lines])).toEqual(range(1, 3000, (n) => `line ${n}`));
    const ids = [...first.lines, ...rest.lines].map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps progress bars and invalid UTF-8 readable, and serves history as JSON, NDJSON and text', async () => {
    const created = await cluster.upload(image("printf 'progress 10%%\\rprogress 55%%\\rprogress 100%%\\n'; printf 'bad \\377\\376 bytes\\n'; echo 'to stderr' >&2"), { name: 'odd-output', restart: 'no' });
    await cluster.waitForDeployment(created.id, (d) => d.status === 'exited', 'exited');
    const page = await cluster.json<LogPage>(`/api/deployments/${created.id}/logs`);
    const run = page.lines.filter((l) => l.phase === 'run');
    // stdout and stderr are two pipes: each keeps its order, but not their order relative to each other.
    expect(run.filter((l) => l.stream === 'stdout').map((l) => l.line)).toEqual(['progress 100%', 'bad \uFFFD\uFFFD bytes']);
    expect(run.filter((l) => l.stream === 'stderr').map((l) => l.line)).toEqual(['to stderr']);
    expect(run.every((l) => l.instance === 0)).toBe(true);
    expect(page.next).toBe(page.lines.at(-1)?.id);

    const text = await (await cluster.api(`/api/deployments/${created.id}/logs`, { headers: { accept: 'text/plain' } })).text();
    expect(text).toContain(run.map((l) => `${l.line}\n`).join(''));
    const ndjson = await (await cluster.api(`/api/deployments/${created.id}/logs`, { headers: { accept: 'application/x-ndjson' } })).text();
    // The same history; a system line (the restart policy's note) may follow the page read a moment ago.
    const served = ndjson.trim().split('\n').map((l) => LogLine.parse(JSON.parse(l)));
    expect(served.slice(0, page.lines.length).map((l) => l.line)).toEqual(page.lines.map((l) => l.line));
    expect(served.slice(page.lines.length).every((l) => l.phase === 'system')).toBe(true);
    const after = await cluster.json<LogPage>(`/api/deployments/${created.id}/logs?after=${run[0]?.id}`);
    expect(after.lines.filter((l) => l.phase === 'run').map((l) => l.line)).toEqual(run.slice(1).map((l) => l.line));
  });
});

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}
