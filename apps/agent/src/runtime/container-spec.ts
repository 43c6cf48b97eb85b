import type { ContainerCreateOptions } from 'dockerode';
import { containerName, Labels, type DeployJob } from '@draas/queue-contracts';

/** What the agent adds to every job: who it is and where ports are published. */
export interface AgentSettings {
  agentId: string;
  /** Host address container ports bind to. */
  publishIp: string;
}

/** Limits every user container gets, whatever the job asks. */
export const CONTAINER_DEFAULTS = {
  pidsLimit: 512,
  // Docker's `local` driver (compressed rotated files): with json-file's small files, Docker 20.10's
  // follow stream lost lines whenever a fast container made it rotate (a third of 500,000 here).
  logDriver: 'local',
  logMaxSize: '20m',
  logMaxFiles: '5',
} as const;

/** `8080/tcp`-style keys, as Docker names exposed ports; sorted so that specs compare. */
export function exposedPortKeys(job: DeployJob, imageExposedPorts: readonly string[]): string[] {
  const keys = new Set<string>();
  for (const key of imageExposedPorts) {
    const match = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/i.exec(key.trim());
    // SCTP cannot be turned into a URL and placement does not know it: left unpublished.
    if (match && (match[2] ?? 'tcp').toLowerCase() !== 'sctp') keys.add(`${Number(match[1])}/${(match[2] ?? 'tcp').toLowerCase()}`);
  }
  for (const port of job.spec.ports) keys.add(`${port.containerPort}/${port.protocol}`);
  return [...keys].sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b));
}

/** The labels that make a container findable and attributable; nothing may override them. */
export function managedLabels(job: DeployJob, agentId: string): Record<string, string> {
  return {
    [Labels.managed]: 'true',
    [Labels.deployment]: job.deploymentId,
    [Labels.instance]: String(job.index),
    [Labels.attempt]: String(job.attempt),
    [Labels.agent]: agentId,
  };
}

/**
 * The dockerode create options for one instance. Pure, so that every safety property (no privileges,
 * no host mounts or host network, hard limits) is visible and tested in one place.
 */
export function buildContainerSpec(job: DeployJob, settings: AgentSettings, imageExposedPorts: readonly string[]): ContainerCreateOptions {
  const ports = exposedPortKeys(job, imageExposedPorts);
  return {
    name: containerName(job.deploymentId, job.index),
    Image: job.image,
    Env: Object.entries(job.spec.env).map(([key, value]) => `${key}=${value}`),
    // Image labels may try to claim draas.* keys; container labels win over image labels in Docker.
    Labels: managedLabels(job, settings.agentId),
    ExposedPorts: Object.fromEntries(ports.map((key) => [key, {}])),
    Tty: false,
    OpenStdin: false,
    HostConfig: {
      // HostPort '' = a free port chosen by Docker; every port only on the publish address.
      PortBindings: Object.fromEntries(ports.map((key) => [key, [{ HostIp: settings.publishIp, HostPort: '' }]])),
      PublishAllPorts: true,
      Memory: job.spec.memoryBytes,
      // Equal to Memory: no swap, so the limit is the limit placement counted.
      MemorySwap: job.spec.memoryBytes,
      NanoCpus: job.spec.milliCpus * 1_000_000,
      PidsLimit: CONTAINER_DEFAULTS.pidsLimit,
      Privileged: false,
      SecurityOpt: ['no-new-privileges'],
      Binds: [],
      NetworkMode: 'bridge',
      IpcMode: 'private',
      // Restarts are the scheduler's decision (restart policy, placement), never the engine's.
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      LogConfig: { Type: CONTAINER_DEFAULTS.logDriver, Config: { 'max-size': CONTAINER_DEFAULTS.logMaxSize, 'max-file': CONTAINER_DEFAULTS.logMaxFiles } },
    },
  };
}
