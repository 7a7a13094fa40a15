/** Aligned plain-text tables for the human output of the `quanta butler` commands. */
export function textTable(objects: readonly object[], columns?: string[]): string {
  const rows = objects as Record<string, unknown>[];
  const cols = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (cols.length === 0) return '';
  const cell = (v: unknown): string =>
    v === null || v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v);
  const body = rows.map((r) => cols.map((c) => cell(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((s, i) => s.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n') + '\n';
}
