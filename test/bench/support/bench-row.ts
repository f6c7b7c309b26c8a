/** One printed figure: its value, and the bare baseline measured in the same run when there is one. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
}

/** A row compared with its baseline; `lowerIsBetter` turns the ratio so that > 1 always means "better than the baseline". */
export function compared(name: string, value: number, unit: string, baseline?: number, lowerIsBetter = false): BenchRow {
  if (baseline === undefined || !Number.isFinite(baseline) || !Number.isFinite(value) || value === 0 || baseline === 0) {
    return { name, value, unit, baseline };
  }
  return { name, value, unit, baseline, ratio: lowerIsBetter ? baseline / value : value / baseline };
}

const number = (n: number | undefined) =>
  n === undefined ? '' : !Number.isFinite(n) ? '∞' : Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(Math.abs(n) >= 10 ? 1 : 2);

/** A plain text table; `markdown` prints the README's form. */
export function formatTable(rows: readonly BenchRow[], markdown = false): string {
  const header = ['What', 'Value', 'Unit', 'Baseline', 'Ratio'];
  const cells = rows.map((r) => [r.name, number(r.value), r.unit, number(r.baseline), r.ratio === undefined ? '' : r.ratio.toFixed(2)]);
  if (markdown) return [header, header.map(() => '---'), ...cells].map((c) => `| ${c.join(' | ')} |`).join('\n');
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  return [header, ...cells].map((c) => c.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')).join('\n');
}
