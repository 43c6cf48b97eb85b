// The data folder an agent claims (real filesystem and real processes; needs neither Redis nor Docker).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveAgentId } from './agent-id.js';
import { claimDataDir, dataDirCandidates, type DataDirClaim } from './data-dir.js';

describe('dataDirCandidates', () => {
  it('is the folder that was set, or the default and then numbered ones', () => {
    expect(dataDirCandidates('/w/.draas/agent', true)).toEqual(['/w/.draas/agent']);
    expect(dataDirCandidates('/w/.draas/agent', false, 3)).toEqual(['/w/.draas/agent', '/w/.draas/agent-2', '/w/.draas/agent-3']);
  });
});

describe('claimDataDir', () => {
  const dirs: string[] = [];
  const claims: DataDirClaim[] = [];
  const children: { kill(): void }[] = [];
  const defaultDir = () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'draas-data-dir-'));
    dirs.push(root);
    return path.join(root, '.draas', 'agent');
  };
  const claim = async (dir: string, explicit: boolean) => {
    const held = await claimDataDir(dir, explicit);
    claims.push(held);
    return held;
  };
  const lockOf = (dir: string) => readFileSync(path.join(dir, 'agent.lock'), 'utf8').trim();
  const writeLock = (dir: string, pid: number) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'agent.lock'), `${pid}\n`);
  };
  /** A process that stays alive (another agent, as far as the lock can tell). */
  const liveProcess = () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(child);
    return child.pid as number;
  };
  /** The pid of a process that has ended. */
  const deadPid = async () => {
    const child = spawn('true', [], { stdio: 'ignore' });
    await once(child, 'exit');
    return child.pid as number;
  };

  afterEach(async () => {
    for (const held of claims.splice(0)) await held.release();
    for (const child of children.splice(0)) child.kill();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('claims the folder with a lock holding its pid (owner-only), and gives it up on release', async () => {
    const dir = defaultDir();
    const held = await claim(dir, false);
    expect(held).toMatchObject({ dir, passedOver: [] });
    expect(lockOf(dir)).toBe(String(process.pid));
    expect(statSync(path.join(dir, 'agent.lock')).mode & 0o077).toBe(0);
    await held.release();
    expect(() => statSync(path.join(dir, 'agent.lock'))).toThrow(/ENOENT/);
    expect((await claim(dir, true)).dir).toBe(dir);
  });

  it('passes over a default folder another live agent holds, to -2, -3 …', async () => {
    const dir = defaultDir();
    const other = liveProcess();
    writeLock(dir, other);
    const second = await claim(dir, false);
    expect(second).toMatchObject({ dir: `${dir}-2`, passedOver: [{ dir, pid: other }] });
    const third = await claim(dir, false);
    expect(third.dir).toBe(`${dir}-3`);
    expect(lockOf(dir)).toBe(String(other));
  });

  it('refuses a folder set in AGENT_DATA_DIR that another live agent holds, naming the setting', async () => {
    const dir = defaultDir();
    const other = liveProcess();
    writeLock(dir, other);
    await expect(claimDataDir(dir, true)).rejects.toThrow(
      `AGENT_DATA_DIR ${dir} is in use by another agent (pid ${other}): stop that agent, or set AGENT_DATA_DIR to a folder of its own`,
    );
  });

  it('takes over a lock left by an agent that died, and one with its own pid left by an earlier life (a restarted container)', async () => {
    const crashed = defaultDir();
    writeLock(crashed, await deadPid());
    expect((await claim(crashed, true)).dir).toBe(crashed);
    expect(lockOf(crashed)).toBe(String(process.pid));

    const restarted = defaultDir();
    writeLock(restarted, process.pid);
    expect((await claim(restarted, true)).dir).toBe(restarted);
  });

  it('gives agents started together in one folder a folder each', async () => {
    const dir = defaultDir();
    writeLock(dir, await deadPid()); // and a stale lock to take over on the way
    const held = await Promise.all(Array.from({ length: 6 }, () => claim(dir, false)));
    expect(new Set(held.map((h) => h.dir)).size).toBe(6);
    expect(held.map((h) => h.dir).sort()).toEqual([dir, ...[2, 3, 4, 5, 6].map((n) => `${dir}-${n}`)].sort());
  });

  it('keeps an id per folder: two agents in one working folder get two ids, and the same ones again', async () => {
    const dir = defaultDir();
    const [first, second] = [await claim(dir, false), await claim(dir, false)];
    const ids = [await resolveAgentId(null, first.dir), await resolveAgentId(null, second.dir)];
    expect(ids[0]).not.toBe(ids[1]);
    await first.release();
    await second.release();
    const again = [await claim(dir, false), await claim(dir, false)];
    expect([await resolveAgentId(null, again[0]!.dir), await resolveAgentId(null, again[1]!.dir)]).toEqual(ids);
  });
});
