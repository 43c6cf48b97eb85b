// The agent id kept in the data folder (real filesystem; needs neither Redis nor Docker).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentId } from '@draas/queue-contracts';
import { resolveAgentId } from './agent-id.js';

describe('resolveAgentId', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'draas-agent-id-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('makes an id once, keeps it (owner-only) and returns the same one on the next start', async () => {
    const dataDir = path.join(tempDir(), 'nested', 'agent');
    const first = await resolveAgentId(null, dataDir);
    expect(AgentId.safeParse(first).success).toBe(true);
    expect(readFileSync(path.join(dataDir, 'agent-id'), 'utf8').trim()).toBe(first);
    expect(statSync(path.join(dataDir, 'agent-id')).mode & 0o077).toBe(0);
    expect(await resolveAgentId(null, dataDir)).toBe(first);
  });

  it('prefers the configured id and writes nothing', async () => {
    const dataDir = tempDir();
    expect(await resolveAgentId('node-7', dataDir)).toBe('node-7');
    expect(() => statSync(path.join(dataDir, 'agent-id'))).toThrow();
  });

  it('refuses a kept id that is not valid, naming the file', async () => {
    const dataDir = tempDir();
    writeFileSync(path.join(dataDir, 'agent-id'), 'Not Valid!\n');
    await expect(resolveAgentId(null, dataDir)).rejects.toThrow(/agent-id holds "Not Valid!"/);
  });
});
