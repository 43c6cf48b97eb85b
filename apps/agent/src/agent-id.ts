import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentId } from '@draas/queue-contracts';

const ID_FILE = 'agent-id';

/** Where the generated id is kept in a data folder. */
export const agentIdFile = (dataDir: string): string => path.join(dataDir, ID_FILE);

/**
 * A readable id for a new agent: the host name cut to what AgentId allows, plus a random suffix so
 * that two machines with the same host name (cloned VMs) never share a deploy queue.
 */
export function makeAgentId(hostname: string, suffix: string): AgentId {
  const base = hostname
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63 - suffix.length - 1)
    .replace(/-+$/, '');
  return AgentId.parse(base ? `${base}-${suffix}` : `agent-${suffix}`);
}

/**
 * The configured id, else the one kept in the data folder, else a new one written there. The id must
 * survive restarts: it names the deploy queue and the labels of the containers this agent adopts.
 */
export async function resolveAgentId(configured: AgentId | null, dataDir: string): Promise<AgentId> {
  if (configured) return configured;
  const file = agentIdFile(dataDir);
  const existing = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (existing !== null) {
    const parsed = AgentId.safeParse(existing.trim());
    if (!parsed.success) throw new Error(`${file} holds "${existing.trim()}", which is not a valid agent id; fix or delete it`);
    return parsed.data;
  }
  const id = makeAgentId(os.hostname(), randomBytes(3).toString('hex'));
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Write-then-rename so that a crash never leaves a half-written id behind.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${id}\n`, { mode: 0o600 });
  await rename(tmp, file);
  return id;
}
