import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from './errors/config-error.js';
import { sleep } from './util/sleep.js';

// One agent per data folder: the folder holds the agent's id and the list of images it fetched, and
// two agents sharing them would share a deploy queue and remove each other's images. An agent claims
// its folder with a lock file holding its pid, made with O_EXCL (of two agents starting together,
// exactly one gets it) and removed when the agent stops; one left by an agent that died is stale and
// taken over.

const LOCK_FILE = 'agent.lock';
/** Folders tried when AGENT_DATA_DIR is unset: the default, then default-2 … default-<this>. */
const MAX_FOLDERS = 100;
/** A lock still without its pid, or a breaker, older than this was left by a process that died within those few steps. */
const SETTLE_MS = 2000;

/** Folders held by agents of this process (tests run several agents in one): held, though the pid in their lock is ours. */
const heldHere = new Set<string>();
/** Claims of one folder within this process, one after another: the pid in the lock cannot tell them apart. */
const claimsHere = new Map<string, Promise<unknown>>();

export interface DataDirClaim {
  dir: string;
  /** Folders passed over because another agent holds them (only when AGENT_DATA_DIR is unset). */
  passedOver: { dir: string; pid: number }[];
  /** Gives the folder up; its lock file is removed. */
  release(): Promise<void>;
}

/** The folders an agent may take, in order: only `dir` when AGENT_DATA_DIR was set, else `dir`, `dir-2`, … */
export function dataDirCandidates(dir: string, explicit: boolean, max = MAX_FOLDERS): string[] {
  if (explicit) return [dir];
  return [dir, ...Array.from({ length: max - 1 }, (_, i) => `${dir}-${i + 2}`)];
}

/**
 * Claims the first free folder among dataDirCandidates. Throws a ConfigError naming AGENT_DATA_DIR
 * when the folder that was set, or every candidate, is held by a live agent.
 */
export async function claimDataDir(dir: string, explicit: boolean): Promise<DataDirClaim> {
  const passedOver: DataDirClaim['passedOver'] = [];
  for (const candidate of dataDirCandidates(dir, explicit)) {
    const outcome = await oneAtATime(candidate, () => tryClaim(candidate));
    if (outcome === 'claimed') {
      let released = false;
      const release = async () => {
        if (!released) await releaseDir(candidate);
        released = true;
      };
      return { dir: candidate, passedOver, release };
    }
    if (explicit) {
      throw new ConfigError(
        `AGENT_DATA_DIR ${candidate} is in use by another agent (pid ${outcome.pid}): stop that agent, or set AGENT_DATA_DIR to a folder of its own`,
      );
    }
    passedOver.push({ dir: candidate, pid: outcome.pid });
  }
  throw new ConfigError(`the data folders ${dir} to ${dir}-${MAX_FOLDERS} are all in use by other agents: set AGENT_DATA_DIR to a folder of its own`);
}

async function tryClaim(dir: string): Promise<'claimed' | { pid: number }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, LOCK_FILE);
  const deadline = Date.now() + 5 * SETTLE_MS;
  while (Date.now() < deadline) {
    if (await createExclusive(file)) {
      heldHere.add(dir);
      return 'claimed';
    }
    const lock = await readLock(file);
    if (lock === null) continue; // released meanwhile: try again
    if (lock.pid !== null && holderAlive(lock.pid, dir)) return { pid: lock.pid };
    if (lock.pid === null && lock.ageMs < SETTLE_MS) await sleep(20); // its maker is writing the pid
    else await removeStale(file, lock.text);
  }
  throw new Error(`cannot claim the data folder ${dir}: its lock file ${file} keeps changing`);
}

/**
 * The pid is alive: signal 0 reaches it (EPERM: it belongs to another user, and lives). Our own pid
 * is a live holder only when an agent of this process holds the folder: a container restarted with
 * the same data volume gets the same pid (often 1) as the agent that died in it.
 */
function holderAlive(pid: number, dir: string): boolean {
  if (pid === process.pid) return heldHere.has(dir);
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `file` holding our pid, only if it does not exist (O_CREAT | O_EXCL); false when it does. */
async function createExclusive(file: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(`${process.pid}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

/** The lock as it is now; null when there is none. */
async function readLock(file: string): Promise<{ text: string; pid: number | null; ageMs: number } | null> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    const pid = /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
    return { text, pid, ageMs: Date.now() - info.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Removes a stale lock, unless it changed since it was read. Two agents may find the same stale lock:
 * the check and the removal happen under a second exclusive file (the breaker), so that one of them
 * never removes the fresh lock the other has just made.
 */
async function removeStale(file: string, staleText: string): Promise<void> {
  const breaker = `${file}.break`;
  if (!(await createExclusive(breaker))) {
    const age = await stat(breaker).then((s) => Date.now() - s.mtimeMs, () => null);
    if (age !== null && age > SETTLE_MS) await unlinkIfThere(breaker);
    else await sleep(20);
    return;
  }
  try {
    const current = await readFile(file, 'utf8').catch(() => null);
    if (current === staleText) await unlinkIfThere(file);
  } finally {
    await unlinkIfThere(breaker);
  }
}

function oneAtATime<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const run = (claimsHere.get(dir) ?? Promise.resolve()).then(work);
  const settled = run.catch(() => undefined);
  claimsHere.set(dir, settled);
  void settled.then(() => claimsHere.get(dir) === settled && claimsHere.delete(dir));
  return run;
}

async function releaseDir(dir: string): Promise<void> {
  heldHere.delete(dir);
  const file = path.join(dir, LOCK_FILE);
  // Only our own lock: had it been taken over meanwhile (an operator deleted it), the new one stays.
  const lock = await readLock(file);
  if (lock?.pid === process.pid) await unlinkIfThere(file);
}

async function unlinkIfThere(file: string): Promise<void> {
  await unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
