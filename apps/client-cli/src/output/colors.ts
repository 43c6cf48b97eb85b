// ANSI colours, on only for a terminal and when NO_COLOR is unset (https://no-color.org), so that
// pipes, files and CI logs get plain text.

export interface Colors {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

const style = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const plain = (text: string) => text;

export function makeColors(enabled: boolean): Colors {
  if (!enabled) return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  return { bold: style(1, 22), dim: style(2, 22), red: style(31, 39), green: style(32, 39), yellow: style(33, 39), cyan: style(36, 39) };
}

export const colorsFor = (stream: { isTTY?: boolean }, noColor: boolean): Colors => makeColors(Boolean(stream.isTTY) && !noColor);

// eslint-disable-next-line no-control-regex
const ansi = /\x1b\[[0-9;]*m/g;

/** The width a terminal shows, colours left out. */
export const visibleLength = (text: string): number => text.replace(ansi, '').length;
