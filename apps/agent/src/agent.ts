import { readFileSync } from 'node:fs';
import path from 'node:path';
import { agentConnectionName, Channels, QueueNames, redisKeys, type RedisKeys } from '@draas/queue-contracts';
import { describeRedisTarget } from '@draas/queue-contracts/runtime';
import { agentIdFile, resolveAgentId } from './agent-id.js';
import type { AgentConfig } from './config.js';
import { createCommandHandler } from './control/commands.js';
import { ControlSubscriber } from './control/control-subscriber.js';
import { InstanceStopper } from './control/stopper.js';
import { claimDataDir } from './data-dir.js';
import { createHealthApp, startHealthServer } from './health/server.js';
import { HeartbeatLoop } from './heartbeat/heartbeat-loop.js';
import { HostMetricsReader } from './heartbeat/host-metrics.js';
import { ensureIdNotInUse } from './heartbeat/id-in-use.js';
import { createLogger, type Logger } from './logger.js';
import { LogFollowers } from './logs/log-followers.js';
import { RedisLogSink } from './logs/log-sink.js';
import { createEventHandler } from './monitor/container-events.js';
import { ExitMonitor } from './monitor/exit-monitor.js';
import { HealthProbes } from './probes/health-probes.js';
import { Reconciler, type ReconcileSummary } from './reconcile/reconciler.js';
import { createRedis, type RedisRole } from './redis/connections.js';
import type { AgentRedis } from './redis/scripts.js';
import { redisClock, type Clock } from './redis/redis-clock.js';
import { DockerRuntime } from './runtime/docker-runtime.js';
import { DesiredStateReader } from './state/desired-state.js';
import { StatusReporter } from './status/reporter.js';
import { Cleanup } from './util/cleanup.js';
import { KeyedLock } from './util/keyed-lock.js';
import { startDeployWorker } from './worker/deploy-worker.js';
import { ImageCollector } from './images/image-collector.js';
import { ImageProvider } from './images/image-provider.js';

export interface AgentDeps {
  logger?: Logger;
}

export interface AgentHandle {
  agentId: string;
  /** The data folder this agent holds (AGENT_DATA_DIR, or the first free one after the default). */
  dataDir: string;
  /** The health server's port, or null when it is off. */
  healthPort: number | null;
  /** Runs a reconcile pass now (or right after the one under way). */
  reconcile(): Promise<ReconcileSummary>;
  /** Stops taking work and shuts every part down; containers keep running for the next start to adopt. */
  close(): Promise<void>;
}

/** Bound on one image pull or download. */
const IMAGE_FETCH_TIMEOUT_MS = 10 * 60_000;
const AGENT_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** What every part of the agent shares. */
interface Core {
  config: AgentConfig;
  agentId: string;
  log: Logger;
  cleanup: Cleanup;
  runtime: DockerRuntime;
  dockerVersion: string;
  dockerRoot: string;
  /** The commands connection, with the agent's scripts (redis/scripts.ts). */
  redis: AgentRedis;
  clock: Clock & { offsetMs: number };
  keys: RedisKeys;
  channels: ReturnType<typeof Channels>;
}

/** The parts that act on containers, all serialised per instance by one lock. */
type Parts = ReturnType<typeof buildParts>;

export async function startAgent(settings: AgentConfig, deps: AgentDeps = {}): Promise<AgentHandle> {
  const baseLog = deps.logger ?? createLogger(settings.logLevel);
  const cleanup = new Cleanup(baseLog);
  try {
    // The folder first: the id kept in it names the deploy queue (from here on, config.dataDir is the claimed one).
    const config = { ...settings, dataDir: await holdDataDir(settings, baseLog, cleanup) };
    const agentId = await resolveAgentId(config.agentId, config.dataDir);
    const log = baseLog.child({ agentId });
    const core = await connect(config, agentId, log, cleanup);
    const parts = buildParts(core);
    // Listening before the first beat, which tells where (with several agents on a machine, each takes a free port).
    let heartbeat: HeartbeatLoop | null = null;
    const healthPort = await startHealth(core, () => heartbeat?.runningInstances ?? 0);
    // Events first, so that nothing ending between the first reconcile pass and the stream goes unseen.
    await startExitMonitor(core, parts);
    // Beating before the first pass: stopping unwanted containers takes a grace period each, and a
    // silent agent would be declared offline meanwhile.
    heartbeat = await startHeartbeat(core, healthPort);
    await parts.reconciler.request().catch((err: Error) => log.error({ err: err.message }, 'first reconcile pass failed; retrying periodically'));
    await startControl(core, parts);
    parts.reconciler.startPeriodic(config.reconcileMs);
    cleanup.add('periodic reconcile', async () => parts.reconciler.stopPeriodic());
    startWorker(core, parts, await startImageCollector(core));
    log.info({ healthPort, dataDir: config.dataDir, publishIp: config.publishIp, advertiseIp: config.advertiseIp }, 'agent ready');
    return {
      agentId,
      dataDir: config.dataDir,
      healthPort,
      reconcile: () => parts.reconciler.request(),
      close: async () => {
        log.info('agent stopping; containers keep running');
        await cleanup.runAll();
      },
    };
  } catch (err) {
    await cleanup.runAll();
    throw err;
  }
}

/** Claims the data folder (released last on close); says so when the default one was taken by another agent. */
async function holdDataDir(config: AgentConfig, log: Logger, cleanup: Cleanup): Promise<string> {
  const claim = await claimDataDir(config.dataDir, config.dataDirExplicit);
  cleanup.add('data folder', () => claim.release());
  if (claim.passedOver.length) {
    log.info({ dataDir: claim.dir, heldByOthers: claim.passedOver }, `data folder ${config.dataDir} is held by another agent; using ${claim.dir} (set AGENT_DATA_DIR to choose)`);
  }
  return claim.dir;
}

async function connect(config: AgentConfig, agentId: string, log: Logger, cleanup: Cleanup): Promise<Core> {
  log.info({ redis: describeRedisTarget(config.redis), prefix: config.redisPrefix, queue: QueueNames.deploy(agentId) }, 'agent starting');
  const runtime = new DockerRuntime(config.docker);
  await runtime.ping().catch((err: Error) => {
    throw new Error(`the Docker engine does not answer (${err.message}); set DOCKER_HOST or start Docker`);
  });
  const [dockerVersion, dockerRoot] = await Promise.all([runtime.engineVersion(), runtime.dataRoot()]);
  const redis = redisConnection(config, agentId, 'commands', log, cleanup);
  const clock = await redisClock(redis).catch((err: Error) => {
    throw new Error(`Redis at ${describeRedisTarget(config.redis)} does not answer (${err.message}); check REDIS_URL`);
  });
  const keys = redisKeys(config.redisPrefix);
  // Before any beat or job: another live agent with this id would share its queue and containers.
  await ensureIdNotInUse({
    redis, keys, agentId, connectionName: agentConnectionName(agentId, 'commands'), idFile: config.agentId ? null : agentIdFile(config.dataDir),
  });
  return { config, agentId, log, cleanup, runtime, dockerVersion, dockerRoot, redis, clock, keys, channels: Channels(config.redisPrefix) };
}

function buildParts(core: Core) {
  const { config, agentId, log, cleanup, runtime, redis, clock, keys, channels } = core;
  const locks = new KeyedLock();
  const desired = new DesiredStateReader(redis, keys);
  const reporter = new StatusReporter(redis, config.redisPrefix, agentId, clock);
  cleanup.add('status reporter', () => reporter.close());
  const sink = new RedisLogSink(redis, keys, channels, config.logHistoryLines);
  const followers = new LogFollowers({ runtime, sink, clock, log: log.child({ component: 'logs' }) });
  cleanup.add('log followers', () => followers.closeAll());
  const stopper = new InstanceStopper(runtime, followers);
  const probes = new HealthProbes({
    runtime, reporter, stopper, locks, advertiseIp: config.advertiseIp, stopGraceSeconds: config.stopGraceSeconds, log: log.child({ component: 'probes' }),
  });
  // Closed before the reporter (cleanup runs newest first): a probe's last report still goes out.
  cleanup.add('health probes', () => probes.closeAll());
  const reconciler = new Reconciler({
    agentId, advertiseIp: config.advertiseIp, stopGraceSeconds: config.stopGraceSeconds,
    removeEndedAfterMs: config.removeEndedAfterSeconds * 1000, clock,
    runtime, desired, reporter, followers, stopper, probes, locks, log: log.child({ component: 'reconcile' }),
  });
  cleanup.add('reconciler', () => reconciler.close());
  return { locks, desired, reporter, followers, stopper, probes, reconciler, sink };
}

async function startExitMonitor(core: Core, parts: Parts): Promise<void> {
  const { agentId, runtime, log } = core;
  const events = log.child({ component: 'events' });
  const monitor = new ExitMonitor({
    runtime, agentId, log: events,
    onEvent: createEventHandler({ agentId, runtime, ...pick(parts), log: events }),
    onReconnect: () => void parts.reconciler.request().catch((err: Error) => events.error({ err: err.message }, 'reconcile after reconnect failed')),
  });
  await monitor.start();
  core.cleanup.add('docker events', () => monitor.close());
}

async function startHeartbeat(core: Core, healthPort: number | null): Promise<HeartbeatLoop> {
  const { config, agentId, runtime, clock } = core;
  const heartbeat = new HeartbeatLoop({
    redis: core.redis, keys: core.keys, channels: core.channels, clock, log: core.log.child({ component: 'heartbeat' }),
    metrics: new HostMetricsReader(core.dockerRoot),
    countRunning: async () => (await runtime.listManaged(agentId, true)).length,
    identity: {
      agentId, address: config.advertiseIp, labels: config.labels, heartbeatMs: config.heartbeatMs, startedAt: clock.now(),
      connectionName: agentConnectionName(agentId, 'commands'),
      healthHost: config.healthHost,
      healthPort,
      capacity: { memoryBytes: config.memoryBytes, milliCpus: config.milliCpus, maxInstances: config.maxInstances },
      versions: { agent: AGENT_VERSION, docker: core.dockerVersion, node: process.versions.node },
    },
  });
  await heartbeat.start();
  core.cleanup.add('heartbeat', () => heartbeat.close());
  return heartbeat;
}

async function startControl(core: Core, parts: Parts): Promise<void> {
  const { agentId, runtime, log } = core;
  const control = log.child({ component: 'control' });
  const handler = createCommandHandler({
    agentId, runtime, ...pick(parts), desired: parts.desired, log: control,
    reconcile: async () => void (await parts.reconciler.request()),
  });
  const subscriber = new ControlSubscriber(redisConnection(core.config, agentId, 'subscriber', log, core.cleanup), core.channels.control(agentId), handler, control);
  await subscriber.start();
  core.cleanup.add('control subscriber', () => subscriber.close());
}

function startWorker(core: Core, parts: Parts, collector: ImageCollector | null): void {
  const { config, agentId, runtime, log } = core;
  const worker = startDeployWorker(
    {
      agent: { agentId, publishIp: config.publishIp, advertiseIp: config.advertiseIp },
      images: new ImageProvider({
        runtime, redis: core.redis, keys: core.keys, clock: core.clock,
        registry: config.registry, schedulerUrl: config.schedulerUrl, timeoutMs: IMAGE_FETCH_TIMEOUT_MS, collector,
      }),
      sink: parts.sink, clock: core.clock,
      runtime, ...pick(parts), desired: parts.desired, log: log.child({ component: 'deploy' }),
    },
    { connection: redisConnection(config, agentId, 'worker', log, core.cleanup), prefix: config.redisPrefix, concurrency: config.concurrency },
  );
  // Closed first on shutdown: no new work, and jobs under way are finished.
  core.cleanup.add('deploy worker', () => worker.close());
}

/** Removes images this agent fetched once nothing has used them for AGENT_IMAGE_GC_SECONDS. */
async function startImageCollector(core: Core): Promise<ImageCollector | null> {
  const { config, runtime, log } = core;
  if (config.imageGcSeconds === 0) return null;
  const collector = await ImageCollector.open({
    runtime, file: path.join(config.dataDir, 'fetched-images.json'), unusedMs: config.imageGcSeconds * 1000, log: log.child({ component: 'images' }),
  });
  // Looked at twice per period (at least every second, at most every 5 minutes).
  collector.start(Math.min(Math.max((config.imageGcSeconds * 1000) / 2, 1000), 5 * 60_000));
  core.cleanup.add('image clean-up', () => collector.close());
  return collector;
}

/** GET /healthz on AGENT_HEALTH_HOST; returns the port bound (null: off). */
async function startHealth(core: Core, runningInstances: () => number): Promise<number | null> {
  const { config } = core;
  if (config.healthPort === 0) return null;
  const app = createHealthApp({
    agentId: core.agentId,
    redis: async () => (await core.redis.ping()) === 'PONG',
    docker: async () => (await core.runtime.ping(), true),
    runningInstances,
  });
  const server = await startHealthServer(app, { host: config.healthHost, port: config.healthPort, explicit: config.healthPortExplicit });
  core.cleanup.add('health server', () => server.close());
  if (server.port !== config.healthPort) core.log.info({ healthPort: server.port }, `health port ${config.healthPort} is taken (another agent?); listening on ${server.port} (set AGENT_HEALTH_PORT to choose)`);
  return server.port;
}

/** The parts most components take. */
const pick = ({ reporter, followers, stopper, probes, locks }: Parts) => ({ reporter, followers, stopper, probes, locks });

function redisConnection(config: AgentConfig, agentId: string, role: RedisRole, log: Logger, cleanup: Cleanup): AgentRedis {
  const redis = createRedis(config.redis, role, agentId, log);
  cleanup.add(`redis ${role}`, async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  return redis;
}
