import { LineSplitterBase, type LineHead } from '@draas/queue-contracts/runtime';

// Docker's log output with `timestamps: true`: every entry starts with its RFC 3339 time (nanosecond
// precision, trailing zeros dropped) and a space. The time says which lines were shipped already, so
// a re-read after Docker's follow stream ended early (or rotated its files) picks up exactly there.

export interface TimedLine {
  /** Docker's time of the entry, as [seconds since the epoch, nanoseconds]. */
  at: readonly [number, number];
  text: string;
}

/** `2026-11-28T01:02:03.1234Z` → [seconds, nanoseconds]; [0, 0] when it is not a time. */
export function parseDockerTime(value: string): [number, number] {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(value);
  if (!match) return [0, 0];
  const seconds = Date.parse(`${match[1]}${match[3]}`) / 1000;
  return Number.isFinite(seconds) ? [seconds, Number((match[2] ?? '').padEnd(9, '0'))] : [0, 0];
}

export const compareTimes = (a: readonly [number, number], b: readonly [number, number]): number => a[0] - b[0] || a[1] - b[1];

/** The time of a line Docker gave none (not expected with `timestamps: true`): the oldest. */
const NO_TIME: readonly [number, number] = Object.freeze([0, 0] as const);

/** The head of a Docker log line: its time. The longest, `…T01:02:03.123456789+01:00`, is 35 characters. */
const DOCKER_TIME_HEAD: LineHead<readonly [number, number]> = {
  maxChars: 40,
  read(text: string): readonly [number, number] | null {
    const at = parseDockerTime(text);
    return at[0] === 0 ? null : at;
  },
};

/**
 * Splits one timestamped output stream into lines across chunk boundaries (the shared splitter: UTF-8
 * decoded whole, `\r` progress keeps its last state, a line over MAX_LINE_CHARS is cut into marked
 * pieces). The time is read off each line, never compacted or cut away: every piece of a cut line
 * carries it.
 */
export class TimedLineSplitter extends LineSplitterBase<TimedLine, readonly [number, number]> {
  constructor() {
    super({ head: DOCKER_TIME_HEAD });
  }

  protected override piece(text: string, at: readonly [number, number] | null): TimedLine {
    return { at: at ?? NO_TIME, text };
  }
}
