import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import {
  AgentId,
  cpusToMilli,
  formatZodError,
  MIN_MEMORY_BYTES,
  parseLabelList,
  parseMemory,
  registryConfig,
  registryCredentialsPaired,
  RegistrySettings,
  type RegistryConfig,
} from '@draas/queue-contracts';
import {
  DockerHostSetting,
  intSetting as int,
  LogLevelSetting,
  presentSettings,
  RedisPrefixSetting,
  RedisSentinelNameSetting,
  RedisSentinelsSetting,
  RedisUrlSetting,
  type RedisTarget,
  SchedulerUrlSetting,
  type DockerConnection,
} from '@draas/queue-contracts/runtime';
import { ConfigError } from './errors/config-error.js';

/** Facts about this machine that some defaults depend on; passed in so that parseEnv stays pure. */
export interface HostFacts {
  cwd: string;
  totalMemoryBytes: number;
  cpuCount: number;
  /** First non-internal IPv4 address, if any. */
  firstExternalIpv4: string | null;
}

export function readHostFacts(): HostFacts {
  const addresses = Object.values(os.networkInterfaces()).flatMap((list) => list ?? []);
  const external = addresses.find((a) => a.family === 'IPv4' && !a.internal);
  return {
    cwd: process.cwd(),
    totalMemoryBytes: os.totalmem(),
    cpuCount: Math.max(1, os.availableParallelism()),
    firstExternalIpv4: external?.address ?? null,
  };
}

export interface AgentConfig {
  redisUrl: string;
  /** Where Redis is: the URL, or Sentinels naming the primary. */
  redis: RedisTarget;
  redisPrefix: string;
  /** Null: the id kept in dataDir is used (made once). */
  agentId: AgentId | null;
  dataDir: string;
  /**
   * False when AGENT_DATA_DIR is unset: while another agent holds dataDir, dataDir-2, dataDir-3, …
   * are tried (several agents started in one folder). True: dataDir or nothing.
   */
  dataDirExplicit: boolean;
  advertiseIp: string;
  publishIp: string;
  labels: Record<string, string>;
  maxInstances: number;
  memoryBytes: number;
  milliCpus: number;
  concurrency: number;
  heartbeatMs: number;
  /** Port of GET /healthz; 0: no health server. */
  healthPort: number;
  /** False when AGENT_HEALTH_PORT is unset: a free port is taken when healthPort is busy. True: that port or nothing. */
  healthPortExplicit: boolean;
  healthHost: string;
  stopGraceSeconds: number;
  removeEndedAfterSeconds: number;
  logHistoryLines: number;
  docker: DockerConnection;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How often the reconcile pass runs even without a prompt (pub/sub may drop messages). */
  reconcileMs: number;
  /** The registry builds are pushed to, with credentials for pulling from it. */
  registry: RegistryConfig | null;
  /** A scheduler's URL to download images from, tried before those the schedulers advertise. */
  schedulerUrl: string | null;
  /** Images this agent fetched are removed after this long unused; 0 keeps them. */
  imageGcSeconds: number;
}

const RESERVED_MEMORY_BYTES = 512 * 1024 ** 2;
const DEFAULT_DATA_DIR = '.draas/agent';
const DEFAULT_HEALTH_PORT = 5001;

const hostAddress = z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be an IP address or host name');

function envSchema(host: HostFacts) {
  const defaultMemory = Math.max(host.totalMemoryBytes - RESERVED_MEMORY_BYTES, Math.floor(host.totalMemoryBytes / 2));
  return z.object({
    // Redis holding all shared state; may carry a user and password (never logged).
    REDIS_URL: RedisUrlSetting,
    // Sentinels (host:port,...) that name the Redis primary; REDIS_URL then gives the credentials.
    REDIS_SENTINELS: RedisSentinelsSetting,
    // The primary's name at those Sentinels.
    REDIS_SENTINEL_NAME: RedisSentinelNameSetting,
    // Namespace of every DRaaS key and channel in that Redis.
    REDIS_PREFIX: RedisPrefixSetting,
    // This agent's id; unset → an id generated once and kept in AGENT_DATA_DIR.
    AGENT_ID: AgentId.optional(),
    // Where the agent keeps its own state (the generated id, the images it fetched); one agent per
    // folder. Unset: .draas/agent, or .draas/agent-2, -3, … while other agents hold it.
    AGENT_DATA_DIR: z.string().default(DEFAULT_DATA_DIR).transform((dir) => path.resolve(host.cwd, dir)),
    // Address put in the URLs of this agent's instances.
    AGENT_IP: hostAddress.default(host.firstExternalIpv4 ?? '127.0.0.1'),
    // Host address that container ports are published on.
    AGENT_PUBLISH_IP: z.union([z.ipv4(), z.ipv6()], 'must be an IPv4 or IPv6 address').default('0.0.0.0'),
    // Labels matched by placement constraints: k=v,k=v.
    AGENT_LABELS: z
      .string()
      .default('')
      .transform((input, ctx) => {
        try {
          return parseLabelList(input);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
          return z.NEVER;
        }
      }),
    // Most instances placed here at once.
    AGENT_MAX_INSTANCES: int(100, 0, 100_000),
    // Memory offered to placement (8g, 512m); default: total RAM minus 512m kept for the host.
    AGENT_MEMORY: z
      .string()
      .optional()
      .transform((input, ctx) => {
        if (input === undefined) return defaultMemory;
        const bytes = parseMemory(input);
        if (bytes === null || bytes < MIN_MEMORY_BYTES) {
          ctx.addIssue({ code: 'custom', message: `"${input}" is not a size of at least 6m (examples: 512m, 8g)` });
          return z.NEVER;
        }
        return bytes;
      }),
    // CPUs offered to placement. Default cores × 4: Docker CPU limits are caps, not reservations,
    // so idle containers leave their share to others and moderate overcommit is safe.
    AGENT_CPUS: z
      .string()
      .optional()
      .transform((input, ctx) => {
        if (input === undefined) return cpusToMilli(host.cpuCount * 4);
        const cpus = Number(input);
        if (!/^\d+(\.\d+)?$/.test(input) || cpus <= 0 || cpus > 100_000) {
          ctx.addIssue({ code: 'custom', message: `"${input}" is not a positive number of CPUs (example: 4 or 0.5)` });
          return z.NEVER;
        }
        return cpusToMilli(cpus);
      }),
    // Deploy jobs processed at once (a lost machine's work arrives all together: one wave, not two).
    AGENT_CONCURRENCY: int(16, 1, 256),
    // Milliseconds between heartbeats; the scheduler calls an agent offline after 3 missed beats.
    HEARTBEAT_MS: int(2000, 100, 60_000),
    // Port of GET /healthz; 0 = no health server. Unset: 5001, or a free port while 5001 is taken.
    AGENT_HEALTH_PORT: int(DEFAULT_HEALTH_PORT, 0, 65_535),
    // Address the health server listens on; loopback by default so it is not exposed by accident.
    AGENT_HEALTH_HOST: hostAddress.default('127.0.0.1'),
    // Seconds a stopped container gets between SIGTERM and SIGKILL.
    AGENT_STOP_GRACE_SECONDS: int(10, 0, 3600),
    // Seconds an ended container (exited, failed) is kept for `docker inspect` before it is removed;
    // its output is in the log history already. Cancelled ones are removed at once.
    AGENT_REMOVE_ENDED_AFTER_SECONDS: int(3600, 0, 30 * 86_400),
    // Lines kept (approximately) in each deployment's log history.
    LOG_HISTORY_LINES: int(10_000, 100, 10_000_000),
    // Docker engine: unix:///path, tcp://host:port or http(s)://host:port; unset → the default socket.
    DOCKER_HOST: DockerHostSetting,
    // pino level of the agent's own log.
    LOG_LEVEL: LogLevelSetting,
    // REGISTRY_URL (the registry the scheduler pushes builds to), REGISTRY_USERNAME and
    // REGISTRY_PASSWORD (to pull with; never logged).
    ...RegistrySettings,
    // A scheduler to download images from when this engine lacks one and no registry has it; tried
    // before the URLs the schedulers advertise in Redis (set it when those are not reachable from here).
    SCHEDULER_URL: SchedulerUrlSetting,
    // Seconds an image this agent pulled or downloaded may go unused by any container before it is
    // removed (0: never). Images that were on the engine before are never touched.
    AGENT_IMAGE_GC_SECONDS: int(3600, 0, 365 * 86_400),
  })
  .refine(...registryCredentialsPaired);
}

/**
 * Reads every setting once. Empty values count as unset (compose files often write `VAR=`).
 * Throws ConfigError naming each bad variable.
 */
export function parseEnv(env: Record<string, string | undefined>, host: HostFacts = readHostFacts()): AgentConfig {
  const present = presentSettings(env);
  const result = envSchema(host).safeParse(present);
  if (!result.success) throw new ConfigError(`invalid settings: ${formatZodError(result.error)}`);
  const e = result.data;
  return {
    redisUrl: e.REDIS_URL,
    redis: { url: e.REDIS_URL, sentinels: e.REDIS_SENTINELS, sentinelName: e.REDIS_SENTINEL_NAME },
    redisPrefix: e.REDIS_PREFIX,
    agentId: e.AGENT_ID ?? null,
    dataDir: e.AGENT_DATA_DIR,
    dataDirExplicit: present.AGENT_DATA_DIR !== undefined,
    advertiseIp: e.AGENT_IP,
    publishIp: e.AGENT_PUBLISH_IP,
    labels: e.AGENT_LABELS,
    maxInstances: e.AGENT_MAX_INSTANCES,
    memoryBytes: e.AGENT_MEMORY,
    milliCpus: e.AGENT_CPUS,
    concurrency: e.AGENT_CONCURRENCY,
    heartbeatMs: e.HEARTBEAT_MS,
    healthPort: e.AGENT_HEALTH_PORT,
    healthPortExplicit: present.AGENT_HEALTH_PORT !== undefined,
    healthHost: e.AGENT_HEALTH_HOST,
    stopGraceSeconds: e.AGENT_STOP_GRACE_SECONDS,
    removeEndedAfterSeconds: e.AGENT_REMOVE_ENDED_AFTER_SECONDS,
    logHistoryLines: e.LOG_HISTORY_LINES,
    docker: e.DOCKER_HOST,
    logLevel: e.LOG_LEVEL,
    reconcileMs: 10_000,
    registry: registryConfig(e),
    schedulerUrl: e.SCHEDULER_URL,
    imageGcSeconds: e.AGENT_IMAGE_GC_SECONDS,
  };
}
