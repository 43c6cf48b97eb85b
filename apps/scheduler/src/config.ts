import path from 'node:path';
import { z } from 'zod';
import { formatZodError, registryConfig, registryCredentialsPaired, RegistrySettings } from '@draas/queue-contracts';
import {
  boolSetting,
  DockerHostSetting,
  intSetting,
  LogLevelSetting,
  presentSettings,
  RedisPrefixSetting,
  RedisSentinelNameSetting,
  RedisSentinelsSetting,
  RedisUrlSetting,
  SchedulerUrlSetting,
  sizeSetting,
} from '@draas/queue-contracts/runtime';

// Every setting of the scheduler, parsed once in main and passed down. Nothing else reads process.env.
const EnvSchema = z
  .object({
    // HTTP port of the API, dashboard and Bull Board.
    PORT: intSetting(5000, 0, 65535),
    // Address the HTTP server listens on.
    HOST: z.string().default('0.0.0.0'),
    // Redis holding all shared state; include the user and password (redis://draas:secret@host:6379).
    REDIS_URL: RedisUrlSetting,
    // Sentinels (host:port,...) that name the Redis primary; REDIS_URL then gives the credentials.
    REDIS_SENTINELS: RedisSentinelsSetting,
    // The primary's name at those Sentinels.
    REDIS_SENTINEL_NAME: RedisSentinelNameSetting,
    // Namespace of every key and channel, so that several installations can share one Redis.
    REDIS_PREFIX: RedisPrefixSetting,
    // Admin token for the API. Unset: generated once and kept in DATA_DIR/token (mode 0600).
    DRAAS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    // Read-only tokens (comma-separated): they may list and read logs, not deploy or cancel.
    DRAAS_READ_TOKENS: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((t) => t.trim()).filter(Boolean))
      .refine((tokens) => tokens.every((t) => t.length >= 16), 'every read-only token must be at least 16 characters'),
    // `none` turns the token check off: for local experiments only (a warning is logged at every start).
    DRAAS_AUTH: z.enum(['token', 'none']).default('token'),
    // Uploads, unpacked build contexts and the generated token live here.
    DATA_DIR: z.string().default('.draas'),
    // Docker engine used for builds (dockerode's usual forms).
    DOCKER_HOST: DockerHostSetting,
    // Run the build worker inside this process (turn off on schedulers that should only serve the API).
    BUILD_WORKER: boolSetting(true),
    // Builds at once.
    BUILD_CONCURRENCY: intSetting(2, 1, 64),
    // Memory limit of each build's containers.
    BUILD_MEMORY: sizeSetting('2g'),
    // A build running longer than this is stopped and the deployment fails.
    BUILD_TIMEOUT_SECONDS: intSetting(1800, 10, 86_400),
    // Registry every build is pushed to (host[:port][/namespace]); agents then pull from it. Unset:
    // agents whose engine lacks an image download it from a scheduler (GET /api/images/<id>).
    // REGISTRY_USERNAME and REGISTRY_PASSWORD: credentials for it, if it asks for them (never logged).
    ...RegistrySettings,
    // This scheduler's URL as agents on other machines reach it (for image downloads). Default:
    // http://<HOST, or this machine's first external IPv4 when HOST is 0.0.0.0>:<PORT>.
    SCHEDULER_URL: SchedulerUrlSetting,
    // Disk kept for images saved for agents to download (oldest dropped first).
    IMAGE_CACHE_SIZE: sizeSetting('10g'),
    // Largest upload accepted.
    MAX_UPLOAD_BYTES: sizeSetting('200m'),
    // Largest total size of an archive once unpacked.
    MAX_UNPACKED_BYTES: sizeSetting('1g'),
    // Most entries (files and folders) in an archive.
    MAX_ARCHIVE_ENTRIES: intSetting(20_000, 1, 1_000_000),
    // Largest unpacked/packed ratio of an entry or of the whole archive (zip bombs).
    MAX_COMPRESSION_RATIO: intSetting(200, 2, 100_000),
    // Seconds after a deployment ended (cancelled, exited, failed) before the image its build made is removed.
    IMAGE_RETENTION_SECONDS: intSetting(86_400, 0, 365 * 86_400),
    // Seconds a cancelled container gets between SIGTERM and SIGKILL.
    STOP_GRACE_SECONDS: intSetting(10, 0, 3600),
    // An agent silent for this many of its heartbeat periods is offline.
    OFFLINE_AFTER_BEATS: intSetting(3, 2, 100),
    // Lines of log history kept per deployment.
    LOG_HISTORY_LINES: intSetting(10_000, 100, 10_000_000),
    // Caddy admin API URLs (comma-separated) of the routers this scheduler configures: one per edge
    // machine, each given every app (docs/ARCHITECTURE.md, Router). Unset: apps have no address.
    ROUTER_ADMIN_URLS: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((u) => u.trim().replace(/\/+$/, '')).filter(Boolean))
      .refine((urls) => urls.every((u) => /^https?:\/\/[^\s/]+$/.test(u)), 'every router admin URL must be http(s)://host:port (example: http://127.0.0.1:2019)'),
    // Apps answer at <app>.<DRAAS_DOMAIN>; point DNS (a wildcard record) for it at the routers.
    DRAAS_DOMAIN: z
      .string()
      .default('localhost')
      .refine((d) => /^(?=.{1,200}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(d), 'must be a lowercase domain name (example: apps.example.com)'),
    // The port the routers serve apps on.
    ROUTER_PORT: intSetting(8000, 1, 65535),
    // off: plain HTTP; internal: HTTPS from Caddy's own CA (tests, private networks); auto: certificates
    // from Let's Encrypt for a real domain (ROUTER_PORT 443, and :80 reachable).
    ROUTER_HTTPS: z.enum(['off', 'internal', 'auto']).default('off'),
    // Milliseconds an instance stays running, out of the routers, before it is stopped (in-flight requests finish).
    DRAIN_MS: intSetting(1000, 0, 600_000),
    // pino level.
    LOG_LEVEL: LogLevelSetting,
  })
  .refine(...registryCredentialsPaired);

export type SchedulerConfig = ReturnType<typeof toConfig>;

function toConfig(env: z.output<typeof EnvSchema>) {
  const dataDir = path.resolve(env.DATA_DIR);
  return {
    port: env.PORT,
    host: env.HOST,
    redisUrl: env.REDIS_URL,
    redis: { url: env.REDIS_URL, sentinels: env.REDIS_SENTINELS, sentinelName: env.REDIS_SENTINEL_NAME },
    prefix: env.REDIS_PREFIX,
    token: env.DRAAS_TOKEN ?? null,
    readTokens: env.DRAAS_READ_TOKENS,
    authDisabled: env.DRAAS_AUTH === 'none',
    dataDir,
    uploadDir: path.join(dataDir, 'uploads'),
    buildDir: path.join(dataDir, 'builds'),
    docker: env.DOCKER_HOST,
    registry: registryConfig(env),
    advertiseUrl: env.SCHEDULER_URL,
    images: { dir: path.join(dataDir, 'images'), cacheBytes: env.IMAGE_CACHE_SIZE },
    build: {
      worker: env.BUILD_WORKER,
      concurrency: env.BUILD_CONCURRENCY,
      memoryBytes: env.BUILD_MEMORY,
      timeoutMs: env.BUILD_TIMEOUT_SECONDS * 1000,
    },
    archive: {
      maxUploadBytes: env.MAX_UPLOAD_BYTES,
      maxUnpackedBytes: env.MAX_UNPACKED_BYTES,
      maxEntries: env.MAX_ARCHIVE_ENTRIES,
      maxCompressionRatio: env.MAX_COMPRESSION_RATIO,
    },
    stopGraceSeconds: env.STOP_GRACE_SECONDS,
    imageRetentionSeconds: env.IMAGE_RETENTION_SECONDS,
    offlineAfterBeats: env.OFFLINE_AFTER_BEATS,
    logHistoryLines: env.LOG_HISTORY_LINES,
    router: {
      adminUrls: env.ROUTER_ADMIN_URLS,
      domain: env.DRAAS_DOMAIN,
      port: env.ROUTER_PORT,
      https: env.ROUTER_HTTPS,
      drainMs: env.DRAIN_MS,
    },
    logLevel: env.LOG_LEVEL,
  };
}

/**
 * Parses the environment; throws one error naming every bad variable and what it should be. Empty
 * values count as unset (compose files write `VAR=` for settings the user did not give).
 */
export function parseEnv(env: Record<string, string | undefined>): SchedulerConfig {
  const result = EnvSchema.safeParse(presentSettings(env));
  if (!result.success) throw new Error(`bad scheduler setting: ${formatZodError(result.error)}`);
  return toConfig(result.data);
}
