import { AgentId, DeploymentId, formatMemory, Labels, type PortBinding } from '@draas/queue-contracts';

// Pure readings of what Docker says about a container: who it belongs to, where it listens, how it ended.

/** The instance a managed container belongs to, read from its labels. */
export interface ContainerOwner {
  deploymentId: string;
  index: number;
  attempt: number;
  agentId: string;
}

/** Null when the labels are not a complete, valid set of ours. */
export function readOwner(labels: Record<string, string> | undefined | null): ContainerOwner | null {
  if (!labels || labels[Labels.managed] !== 'true') return null;
  const deploymentId = DeploymentId.safeParse(labels[Labels.deployment]);
  const agentId = AgentId.safeParse(labels[Labels.agent]);
  const index = wholeNumber(labels[Labels.instance]);
  const attempt = wholeNumber(labels[Labels.attempt]);
  if (!deploymentId.success || !agentId.success || index === null || attempt === null || attempt < 1) return null;
  return { deploymentId: deploymentId.data, index, attempt, agentId: agentId.data };
}

const wholeNumber = (text: string | undefined): number | null =>
  text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : null;

/** Docker's NetworkSettings.Ports: `{"8080/tcp": [{HostIp, HostPort}] | null}`. */
export type DockerPortMap = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null | undefined>;

export function urlFor(protocol: 'tcp' | 'udp', address: string, hostPort: number): string {
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  return protocol === 'tcp' ? `http://${host}:${hostPort}` : `udp://${host}:${hostPort}`;
}

/**
 * Published ports and the URLs users reach them at (on the advertised address, not the bind address).
 * Docker may list one port twice (IPv4 and IPv6 binds on the same host port): one entry each.
 */
export function publishedPorts(portMap: DockerPortMap | undefined | null, advertiseIp: string): { ports: PortBinding[]; urls: string[] } {
  const ports: PortBinding[] = [];
  for (const [key, bindings] of Object.entries(portMap ?? {})) {
    const match = /^(\d{1,5})\/(tcp|udp)$/.exec(key);
    if (!match || !bindings) continue;
    const containerPort = Number(match[1]);
    const protocol = match[2] as 'tcp' | 'udp';
    for (const binding of bindings) {
      const hostPort = Number(binding.HostPort);
      if (!Number.isInteger(hostPort) || hostPort <= 0) continue;
      if (ports.some((p) => p.containerPort === containerPort && p.protocol === protocol && p.hostPort === hostPort)) continue;
      ports.push({ containerPort, protocol, hostIp: binding.HostIp ?? '', hostPort });
    }
  }
  ports.sort((a, b) => a.containerPort - b.containerPort || a.protocol.localeCompare(b.protocol) || a.hostPort - b.hostPort);
  return { ports, urls: ports.map((p) => urlFor(p.protocol, advertiseIp, p.hostPort)) };
}

export interface ExitState {
  ExitCode?: number;
  OOMKilled?: boolean;
  Error?: string;
}

export interface ExitOutcome {
  status: 'exited' | 'failed';
  exitCode: number | null;
  error: string | null;
}

/** How an ended container is reported: code 0 is a normal end, anything else a failure with a reason. */
export function exitOutcome(state: ExitState, memoryLimitBytes: number | null): ExitOutcome {
  const exitCode = state.ExitCode !== undefined && Number.isInteger(state.ExitCode) ? state.ExitCode : null;
  if (state.OOMKilled) {
    const limit = memoryLimitBytes ? ` (limit ${formatMemory(memoryLimitBytes)})` : '';
    return { status: 'failed', exitCode, error: `killed: out of memory${limit}` };
  }
  if (state.Error) return { status: 'failed', exitCode, error: state.Error };
  if (exitCode === 0) return { status: 'exited', exitCode: 0, error: null };
  return { status: 'failed', exitCode, error: exitCode === null ? 'ended without an exit code' : describeExitCode(exitCode) };
}

/** Codes above 128 are "killed by signal N"; say which, since that is what the user needs to know. */
export function describeExitCode(code: number): string {
  const signals: Record<number, string> = { 1: 'SIGHUP', 2: 'SIGINT', 6: 'SIGABRT', 9: 'SIGKILL', 11: 'SIGSEGV', 15: 'SIGTERM' };
  const signal = code > 128 ? signals[code - 128] : undefined;
  return signal ? `exited with code ${code} (${signal})` : `exited with code ${code}`;
}
