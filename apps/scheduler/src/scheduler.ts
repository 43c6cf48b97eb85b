import { mkdir } from 'node:fs/promises';
import { bullPrefix, QueueNames, redisKeys } from '@draas/queue-contracts';
import { Worker, type Processor } from 'bullmq';
import Docker from 'dockerode';
import { AppWatcher } from './apps/app-watcher.js';
import { buildProcessor } from './builder/build-worker.js';
import { dockerBuildTools } from './builder/build-tools.js';
import { closeAll } from './close-all.js';
import { Janitor } from './janitor.js';
import { Advertiser, advertisedUrl } from './images/advertiser.js';
import { ImageCache } from './images/image-cache.js';
import { ImageTokens } from './images/image-tokens.js';
import type { SchedulerConfig } from './config.js';
import type { SchedulerContext } from './context.js';
import { DeploymentStatusFollower } from './deployments/status-follower.js';
import { createApp } from './http/app.js';
import { createAccess } from './http/auth.js';
import { createBullBoardApp } from './http/bull-board.js';
import { listenHttp, type HttpListener } from './http/listen.js';
import { createLogger, type Logger } from './logger.js';
import { AgentWatcher } from './liveness/agent-watcher.js';
import { placementProcessor } from './placement/placement-worker.js';
import { Queues } from './queues.js';
import { resumeUnfinished } from './resume.js';
import { CaddyAdmin } from './router/caddy-admin.js';
import { RouterSync } from './router/router-sync.js';
import { statusProcessor } from './status/status-worker.js';
import { AgentStore } from './store/agent-store.js';
import { AppStore } from './store/app-store.js';
import { BuiltImages } from './store/built-images.js';
import { redisClock } from './store/clock.js';
import { DeploymentStore } from './store/deployment-store.js';
import { EventPublisher } from './store/events.js';
import { LogStore } from './store/log-store.js';
import { PlacementRequests } from './store/placement-requests.js';
import { PubSubHub } from './store/pubsub.js';
import { RedisCluster } from './store/redis-cluster.js';
import { closeRedis, createRedis } from './store/redis.js';
import { UploadStore } from './store/upload-store.js';
import { resolveToken } from './token.js';

export interface SchedulerHandle {
  url: string;
  port: number;
  token: string;
  tokenFile: string | null;
  close(): Promise<void>;
}

const COMPAT_WAIT_MS = 10 * 60 * 1000;
const STATUS_CONCURRENCY = 32;

export async function startScheduler(config: SchedulerConfig, logger: Logger = createLogger(config.logLevel)): Promise<SchedulerHandle> {
  for (const dir of [config.dataDir, config.uploadDir, config.buildDir]) await mkdir(dir, { recursive: true, mode: 0o700 });
  // The port first: one that is taken stops the start before anything else (see listen.ts).
  const http = await listenHttp(config.host, config.port);
  try {
    return await start(config, logger, http);
  } catch (err) {
    await http.close().catch(() => undefined);
    throw err;
  }
}

async function start(config: SchedulerConfig, logger: Logger, http: HttpListener): Promise<SchedulerHandle> {
  const { token, file: tokenFile } = resolveToken(config.token, config.dataDir);
  const access = createAccess({ admin: token, readers: config.readTokens, disabled: config.authDisabled });
  if (access.disabled) {
    logger.warn('DRAAS_AUTH=none: the API, dashboard and Bull Board accept ANYONE without a token. For local experiments only; never expose this scheduler to a network.');
  }

  const redis = createRedis(config.redis, 'commands', 'commands', logger);
  const bullRedis = createRedis(config.redis, 'bullmq', 'bullmq', logger);
  const subscriber = createRedis(config.redis, 'subscriber', 'subscriber', logger);
  const keys = redisKeys(config.prefix);
  const clock = await redisClock(redis);
  const queues = new Queues(bullRedis, config.prefix);
  const stores = {
    deployments: new DeploymentStore(redis, keys),
    agents: new AgentStore(redis, keys, clock, config.offlineAfterBeats),
    logs: new LogStore(redis, keys, config.logHistoryLines),
    events: new EventPublisher(redis, keys, clock),
    apps: new AppStore(redis, keys, clock),
  };
  const imageTokens = await ImageTokens.open(redis, keys);
  const cluster = new RedisCluster({ ...stores, redis, keys, clock, queues, placements: new PlacementRequests(redis, keys, queues.place) });
  const base = { state: cluster, planner: cluster };
  const ctx: SchedulerContext = {
    ...stores,
    config,
    logger,
    keys,
    clock,
    docker: new Docker(config.docker),
    uploads: new UploadStore(config.uploadDir),
    builtImages: new BuiltImages(redis, keys),
    queues,
    scheduling: { ...base, status: new DeploymentStatusFollower(base), tokens: imageTokens, logger },
    imageTokens,
    ping: async () => {
      await redis.ping();
    },
  };
  const hub = new PubSubHub(subscriber);
  const bullBoard = createBullBoardApp(ctx.queues);
  const watcher = new AgentWatcher(ctx, hub, (agentId) => bullBoard.showAgent(agentId));
  const aborts = new Map<string, AbortController>();

  const worker = (name: string, processor: Processor, concurrency: number) => {
    // A job held by a scheduler that died is taken back within ~15 s (lock expiry + stall check),
    // not BullMQ's default ~30-60 s; locks are renewed every lockDuration/2 while work goes on.
    const w = new Worker(name, processor, {
      connection: bullRedis,
      prefix: bullPrefix(config.prefix),
      concurrency,
      lockDuration: 10_000,
      stalledInterval: 5_000,
      maxStalledCount: 3,
    });
    w.on('failed', (job, err) => logger.warn({ queue: name, jobId: job?.id, attempts: job?.attemptsMade, err }, 'job failed'));
    w.on('error', (err) => logger.error({ queue: name, err }, 'worker error'));
    return w;
  };
  const workers = [
    // One placement job at a time: a sweep places many deployments side by side itself, and two
    // sweeps would only race for the same ones. (Every write is a compare-and-set and every
    // reservation is checked in Redis, so even racing ones cannot double-book.)
    worker(QueueNames.place, placementProcessor(ctx.scheduling), 1),
    worker(QueueNames.instanceStatus, statusProcessor(ctx.scheduling, () => watcher.capacityFreed()), STATUS_CONCURRENCY),
    ...(config.build.worker ? [worker(QueueNames.build, buildProcessor(ctx.scheduling, dockerBuildTools(ctx), aborts), config.build.concurrency)] : []),
  ];

  await watcher.start();
  const { router } = config;
  const apps = new AppWatcher(
    ctx.scheduling,
    hub,
    keys,
    {
      drainMs: router.drainMs,
      graceSeconds: config.stopGraceSeconds,
      routers: router.adminUrls.map((url) => new RouterSync(new CaddyAdmin(url))),
      table: { domain: router.domain, port: router.port, https: router.https },
    },
    logger,
  );
  await apps.start();
  const janitor = new Janitor(ctx);
  janitor.start();
  const resumed = await resumeUnfinished(ctx);
  if (resumed) logger.info({ resumed }, 'resumed unfinished deployments');

  const app = createApp({
    ctx,
    bullBoard,
    janitor,
    hub,
    access,
    compatWaitMs: COMPAT_WAIT_MS,
    routersUpdated: async () => {
      await apps.tick();
    },
    images: new ImageCache(ctx.docker, config.images.dir, config.images.cacheBytes, logger),
    cancel: { graceSeconds: config.stopGraceSeconds, abortBuild: (id) => aborts.get(id)?.abort() },
  });
  http.attach(app);
  const { port } = http;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  const advertiser = new Advertiser(redis, keys, clock, advertisedUrl(config.advertiseUrl, config.host, port), logger);
  await advertiser.start();
  logger.info({ url, buildWorker: config.build.worker, registry: config.registry?.prefix ?? null }, 'scheduler listening');

  return {
    url,
    port,
    token,
    tokenFile,
    close: () =>
      closeAll([
        ['http server', () => http.close()],
        ['schedulers set', () => advertiser.close()],
        ['agent watcher', () => watcher.close()],
        ['app watcher', () => apps.close()],
        ['janitor', () => janitor.close()],
        ...workers.map((w) => [`worker ${w.name}`, () => w.close()] as const),
        ['queues', () => ctx.queues.close()],
        ['redis', () => closeRedis(redis)],
        ['redis (bullmq)', () => closeRedis(bullRedis)],
        ['redis (subscriber)', () => closeRedis(subscriber)],
      ]),
  };
}
