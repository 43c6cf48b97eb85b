import { z } from 'zod';

// Image references and the registry builds are pushed to (REGISTRY_URL): both apps read them the
// same way. Docker's own rule decides which part of a reference names a registry.

/** Where built images are pushed: `server` is what credentials are for, `prefix` starts every pushed name. */
export interface Registry {
  /** host[:port], as `docker login` takes it. */
  server: string;
  /** server plus an optional namespace: 127.0.0.1:5000 or registry.example.com/team. */
  prefix: string;
}

const SERVER = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:\d{1,5})?$/;
const PATH_PART = /^[a-z0-9]+([._-][a-z0-9]+)*$/;

/**
 * REGISTRY_URL: host[:port][/namespace], with or without http(s):// (Docker speaks HTTPS to every
 * registry except those on loopback or listed as insecure in the engine's daemon.json). Throws
 * naming what is wrong.
 */
export function parseRegistryUrl(value: string): Registry {
  const example = 'examples: registry.example.com, 127.0.0.1:5000, registry.example.com:5000/team';
  const bare = value.trim().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  const [server = '', ...path] = bare.split('/');
  if (!SERVER.test(server)) throw new Error(`"${value}" does not start with a registry host[:port] (${example})`);
  const port = /:(\d+)$/.exec(server)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) throw new Error(`"${value}" has port ${port}, not 1-65535`);
  const bad = path.find((p) => !PATH_PART.test(p));
  if (bad !== undefined) throw new Error(`"${value}": namespace part "${bad}" must be lowercase letters, digits and . _ - (${example})`);
  return { server, prefix: [server, ...path].join('/') };
}

export const RegistryUrlSetting = z
  .string()
  .optional()
  .transform((value, ctx): Registry | null => {
    if (value === undefined || value.trim() === '') return null;
    try {
      return parseRegistryUrl(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

/**
 * The registry a reference names, or null for Docker Hub: Docker reads the first part as a registry
 * only when it has a dot or a port, or is `localhost`, and more parts follow.
 */
export function registryOf(ref: string): string | null {
  const slash = ref.indexOf('/');
  if (slash < 0) return null;
  const first = ref.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : null;
}

/**
 * A reference's repository and tag, as Docker's tag call takes them (`127.0.0.1:5000/web:1` →
 * `127.0.0.1:5000/web`, `1`); no tag means `latest`. A colon before the last `/` is a port.
 */
export function splitImageRef(ref: string): { repo: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  return colon > ref.lastIndexOf('/') ? { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { repo: ref, tag: 'latest' };
}

/** The tag a build gets on the scheduler's engine: `draas/<name>:<deploymentId>`. */
export const imageTag = (name: string, deploymentId: string): string => `draas/${name}:${deploymentId}`;

/** The name a build is pushed under: the registry prefix, then the local tag. */
export const registryImageRef = (registry: Registry, name: string, deploymentId: string): string =>
  `${registry.prefix}/${imageTag(name, deploymentId)}`;

/**
 * Whether asking a registry for this reference makes sense. A build's local tag (`draas/...`
 * without a registry) exists only on the scheduler's engine: pulling it would ask Docker Hub's
 * `draas` account for someone else's image.
 */
export const pullable = (ref: string): boolean => !ref.startsWith('draas/');

/** The registry as both apps configure it: where, and the credentials to push or pull with. */
export interface RegistryConfig extends Registry {
  auth: { username: string; password: string } | null;
}

/** REGISTRY_URL, REGISTRY_USERNAME and REGISTRY_PASSWORD, for an app's settings schema. */
export const RegistrySettings = {
  REGISTRY_URL: RegistryUrlSetting,
  REGISTRY_USERNAME: z.string().optional(),
  REGISTRY_PASSWORD: z.string().optional(),
};

type RegistryEnv = { REGISTRY_URL: Registry | null; REGISTRY_USERNAME?: string | undefined; REGISTRY_PASSWORD?: string | undefined };

/** `.refine(...registryCredentialsPaired)`: a user without a password (or the reverse) is a mistake, not anonymous access. */
export const registryCredentialsPaired: [(e: RegistryEnv) => boolean, { path: string[]; message: string }] = [
  (e) => (e.REGISTRY_USERNAME === undefined) === (e.REGISTRY_PASSWORD === undefined),
  { path: ['REGISTRY_PASSWORD'], message: 'REGISTRY_USERNAME and REGISTRY_PASSWORD go together: set both or neither' },
];

export function registryConfig(e: RegistryEnv): RegistryConfig | null {
  if (!e.REGISTRY_URL) return null;
  const auth = e.REGISTRY_USERNAME !== undefined ? { username: e.REGISTRY_USERNAME, password: e.REGISTRY_PASSWORD ?? '' } : null;
  return { ...e.REGISTRY_URL, auth };
}
