/** What commands print: `--json` for scripts (exact big integers, one document), or aligned columns for people. */
import { stringifyJson } from '../../gateway/json/big-json.ts';

export function printJson(value: unknown): void {
  process.stdout.write(`${stringifyJson(value)}\n`);
}

/** Rows of cells under a header, each column as wide as its widest cell. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  process.stdout.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}
