import { ConfigError } from '../errors/config-error.js';

/** The subset of dockerode's connection options the agent sets. */
export interface DockerConnection {
  socketPath?: string;
  host?: string;
  port?: number;
  protocol?: 'http' | 'https';
}

/**
 * DOCKER_HOST as the docker CLI reads it → dockerode options. Unset → {} so that dockerode picks its
 * own default socket. TLS client certificates are not supported here: use a unix socket or an SSH
 * tunnel for remote engines.
 */
export function parseDockerHost(value: string | undefined): DockerConnection {
  if (value === undefined || value === '') return {};
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new ConfigError(`DOCKER_HOST: "${value}" must name an absolute socket path (unix:///var/run/docker.sock)`);
    return { socketPath };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`DOCKER_HOST: "${value}" is not unix:///path, tcp://host:port or http(s)://host:port`);
  }
  const protocol = { 'tcp:': 'http', 'http:': 'http', 'https:': 'https' }[url.protocol] as 'http' | 'https' | undefined;
  if (!protocol || !url.hostname) {
    throw new ConfigError(`DOCKER_HOST: "${value}" is not unix:///path, tcp://host:port or http(s)://host:port`);
  }
  // The docker CLI's defaults: 2375 for plain HTTP, 2376 for TLS.
  const port = url.port ? Number(url.port) : protocol === 'https' ? 2376 : 2375;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port, protocol };
}
