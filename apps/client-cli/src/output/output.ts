import { colorsFor, type Colors } from './colors.js';

// Where the CLI writes. stdout carries results only (tables, ids, URLs, the one JSON value of --json),
// so scripts can read it; everything for the human watching (progress, notices, errors) goes to stderr.

export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface Output {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Colours for text written to stdout. */
  readonly colors: Colors;
  /** Colours for text written to stderr (it may be a terminal while stdout is a pipe). */
  readonly errColors: Colors;
  out(text: string): void;
  err(text: string): void;
  /** One JSON value, on one line. */
  json(value: unknown): void;
}

export function createOutput(stdout: OutputStream, stderr: OutputStream, noColor: boolean): Output {
  return {
    stdout,
    stderr,
    colors: colorsFor(stdout, noColor),
    errColors: colorsFor(stderr, noColor),
    out: (text) => stdout.write(`${text}\n`),
    err: (text) => stderr.write(`${text}\n`),
    json: (value) => stdout.write(`${JSON.stringify(value)}\n`),
  };
}
