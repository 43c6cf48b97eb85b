// Parsing of the human forms users type (`256m`, `0.5`, `8080/udp`, `zone=eu`), shared by the API and the CLI.

const memoryUnits: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  ki: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mi: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gi: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Docker refuses memory limits below 6 MiB. */
export const MIN_MEMORY_BYTES = 6 * 1024 ** 2;

/** `256m`, `1g`, `512Mi`, `1048576` → bytes (binary units, as Docker reads them). Null when unreadable. */
export function parseMemory(input: string | number): number | null {
  if (typeof input === 'number') return Number.isSafeInteger(input) && input > 0 ? input : null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(input);
  if (!match) return null;
  const unit = memoryUnits[(match[2] ?? '').toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/** Bytes → the shortest exact form Docker users know (`256m`, `1g`, `1536k`). */
export function formatMemory(bytes: number): string {
  for (const [suffix, unit] of [['g', 1024 ** 3], ['m', 1024 ** 2], ['k', 1024]] as const) {
    if (bytes % unit === 0) return `${bytes / unit}${suffix}`;
  }
  return String(bytes);
}

/** Sizes for people to read, in binary units: 512 B, 3.4 KiB, 256 MiB, 1.5 GiB (the CLI and the dashboard). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** Elapsed time as kubectl shows it: 42s, 5m, 3h, 12d (the CLI and the dashboard). Never negative. */
export function formatAge(since: string | number, now: number): string {
  const seconds = Math.max(0, Math.floor((now - new Date(since).getTime()) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** CPUs as Docker's `--cpus` (0.5 = half a core) → thousandths, the unit placement counts in. */
export const cpusToMilli = (cpus: number): number => Math.round(cpus * 1000);

export interface PortSpec {
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** `8080`, `8080/tcp`, `53/udp` → PortSpec. Null when unreadable or out of 1–65535. */
export function parsePort(input: string | number): PortSpec | null {
  const match = /^\s*(\d{1,5})(?:\/(tcp|udp))?\s*$/i.exec(String(input));
  if (!match) return null;
  const containerPort = Number(match[1]);
  if (containerPort < 1 || containerPort > 65535) return null;
  return { containerPort, protocol: (match[2]?.toLowerCase() ?? 'tcp') as 'tcp' | 'udp' };
}

export interface Constraint {
  key: string;
  value: string;
}

const labelKey = /^[A-Za-z0-9][A-Za-z0-9_.\-/]{0,62}$/;
const labelValue = /^[A-Za-z0-9_.\-/:]{0,128}$/;

/** `zone=eu` → { key: 'zone', value: 'eu' }. Null when the form or characters are wrong. */
export function parseLabel(input: string): Constraint | null {
  const eq = input.indexOf('=');
  if (eq <= 0) return null;
  const key = input.slice(0, eq).trim();
  const value = input.slice(eq + 1).trim();
  return labelKey.test(key) && labelValue.test(value) ? { key, value } : null;
}

/** `a=1,b=2` → labels; throws with the offending item named. Empty input → {}. */
export function parseLabelList(input: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of input.split(',').map((s) => s.trim()).filter(Boolean)) {
    const label = parseLabel(item);
    if (!label) throw new Error(`"${item}" is not a label of the form key=value (letters, digits, _ . - / only)`);
    labels[label.key] = label.value;
  }
  return labels;
}

const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration as the CLI and API take it: `500ms`, `2s`, `1.5m`, `1h30m`, `2d`, or a bare number of
 * seconds. Milliseconds, or null when it is not one.
 */
export function parseDuration(input: string | number): number | null {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.round(input * 1000) : null;
  const text = input.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(text)) return null;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(amount) * (DURATION_UNIT_MS[unit as string] ?? 0);
  return Math.round(total);
}

/** A duration in milliseconds as people write it: `500ms`, `2s`, `1m30s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds ? `${minutes}m${seconds}s` : `${minutes}m`;
}
