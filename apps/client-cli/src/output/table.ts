import { visibleLength } from './colors.js';

// Plain aligned columns, as `docker ps` prints them: upper-case headers, two spaces between columns,
// no borders (so the output stays easy to grep and cut), no trailing spaces.

const GAP = '  ';

export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [headers.map((h) => h.toUpperCase()), ...rows];
  const widths = headers.map((_, col) => Math.max(...all.map((row) => visibleLength(row[col] ?? ''))));
  return all
    .map((row) =>
      headers
        .map((_, col) => {
          const cell = row[col] ?? '';
          const last = col === headers.length - 1;
          return last ? cell : cell + ' '.repeat((widths[col] ?? 0) - visibleLength(cell));
        })
        .join(GAP)
        .trimEnd(),
    )
    .join('\n');
}

/** `key   value` lines for one record (draas status), keys aligned; rows with an empty value are dropped. */
export function formatDetails(pairs: readonly (readonly [string, string])[]): string {
  const shown = pairs.filter(([, value]) => value !== '');
  const width = Math.max(...shown.map(([key]) => key.length));
  return shown.map(([key, value]) => `${key.padEnd(width)}${GAP}${value}`).join('\n');
}
