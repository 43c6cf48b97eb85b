import os from 'node:os';
import { currentLoad, fsSize, mem } from 'systeminformation';

export interface HostMetrics {
  cpuPercent: number;
  /** Cores of this machine (not the CPUs offered to placement, which may be more). */
  cpus: number;
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  diskTotalBytes: number;
  diskFreeBytes: number;
}

// Listing filesystems can take hundreds of milliseconds; disk space moves slowly.
const DISK_CACHE_MS = 30_000;

/** Reads this machine's load, memory and the free space where Docker keeps images and containers. */
export class HostMetricsReader {
  private disk: { at: number; total: number; free: number } | null = null;

  constructor(private readonly dockerDataRoot: string) {}

  async read(): Promise<HostMetrics> {
    const [load, memory, disk] = await Promise.all([currentLoad(), mem(), this.readDisk()]);
    return {
      cpuPercent: Number.isFinite(load.currentLoad) ? Math.round(load.currentLoad * 10) / 10 : 0,
      cpus: Math.max(1, os.availableParallelism()),
      memoryTotalBytes: memory.total,
      memoryAvailableBytes: memory.available,
      diskTotalBytes: disk.total,
      diskFreeBytes: disk.free,
    };
  }

  private async readDisk(): Promise<{ total: number; free: number }> {
    if (this.disk && Date.now() - this.disk.at < DISK_CACHE_MS) return this.disk;
    const mounts = await fsSize();
    const fs = pickMount(mounts, this.dockerDataRoot);
    this.disk = { at: Date.now(), total: fs?.size ?? 0, free: fs?.available ?? 0 };
    return this.disk;
  }
}

/** The filesystem holding `dir`: the mount point that is the longest prefix of it. */
export function pickMount<T extends { mount: string }>(mounts: readonly T[], dir: string): T | undefined {
  const within = (mount: string) => dir === mount || dir.startsWith(mount.endsWith('/') ? mount : `${mount}/`);
  return mounts.filter((m) => within(m.mount)).sort((a, b) => b.mount.length - a.mount.length)[0];
}
