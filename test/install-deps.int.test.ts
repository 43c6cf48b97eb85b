// The setup scripts as a new user meets them: scripts/install-deps.sh (the README's first word) must
// leave the machine's own services alone, and the Docker engine it starts must outlive a Ctrl-C in
// the terminal that started it (scripts/start-docker.sh).
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT } from '../scripts/local-redis.js';
import { waitFor } from './harness.js';
import { processAlive } from '../scripts/local-run.js';
import { startSecondEngine, type SecondEngine } from './second-engine.js';

const run = promisify(execFile);
const infraMissing = inject('infraMissing');

/** Process group and session of a process, from /proc/<pid>/stat (fields 5 and 6). */
function groupAndSession(pid: number): { group: number; session: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { group: Number(fields[2]), session: Number(fields[3]) };
}

describe.skipIf(infraMissing !== null)('setup scripts', () => {
  let engine: (SecondEngine & { terminalGroup: number | null }) | null = null;
  afterAll(async () => {
    await engine?.stop();
  });

  it('install-deps stops no process it did not start (a system registry keeps running)', async () => {
    // What Debian's docker-registry service runs; the old script pkill'ed exactly this.
    const registry = spawn('bash', ['-c', 'exec -a "docker-registry serve /etc/docker/registry/config.yml" sleep 300'], { stdio: 'ignore' });
    try {
      await waitFor('the stand-in registry to start', async () => readFileSync(`/proc/${registry.pid}/cmdline`, 'utf8').startsWith('docker-registry serve'), 5000, 20);
      const { stdout } = await run(path.join(REPO_ROOT, 'scripts/install-deps.sh'), [], { cwd: REPO_ROOT, timeout: 300_000 });
      expect(stdout).toContain('install-deps: docker ');
      expect(stdout).toMatch(/, caddy v?2\.\d+/); // the router's Caddy is there after it
      expect(registry.exitCode).toBeNull();
      expect(processAlive(registry.pid as number)).toBe(true);
    } finally {
      registry.kill('SIGKILL');
    }
  });

  it('start-docker runs dockerd in a session of its own: a Ctrl-C in the terminal does not stop it', async () => {
    engine = await startSecondEngine('127.0.0.3', { viaStartScript: true });
    const terminal = engine.terminalGroup as number;
    const dockerdPid = Number(readFileSync(path.join(path.dirname(engine.dockerHost.slice('unix://'.length)), 'docker.pid'), 'utf8').trim());
    const daemon = groupAndSession(dockerdPid);
    expect(daemon.group).not.toBe(terminal);
    expect(daemon.session).not.toBe(groupAndSession(terminal).session);
    expect(daemon.session).toBe(dockerdPid); // it leads its own session

    // What the terminal does on Ctrl-C: SIGINT to its foreground process group.
    process.kill(-terminal, 'SIGINT');
    await waitFor('the terminal group to end', async () => !processAlive(terminal), 5000, 50);
    await new Promise((r) => setTimeout(r, 2000));
    expect(processAlive(dockerdPid)).toBe(true);
    await expect(engine.docker.ping()).resolves.toBeTruthy();
  });
});
