/**
 * Line numbers for the importer's reports. js-yaml builds plain values without positions, and
 * the `yaml` package is too slow for exports of tens of MB, so the lines are found in the text
 * when a report needs one: the i-th item of the `data` block sequence, then the n-th `field:` key
 * in it (a record's key appears once per record that has it). Only reports pay for the search.
 */

export class ExportLines {
  private entryLines?: number[];
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly file: string,
    private readonly text: string,
  ) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.lineStarts.push(i + 1);
  }

  private lineOf(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** 1-based line of `data[i]`: the `-` that starts the item, if found. */
  entry(i: number): number | undefined {
    if (!this.entryLines) {
      this.entryLines = [];
      const data = /^data[ \t]*:[ \t]*(#.*)?$/m.exec(this.text);
      if (!data) return undefined;
      // the items of a block sequence all start with "-" at the indentation of the first one
      const first = /^([ \t]*)-(?=\s)/m.exec(this.text.slice(data.index + data[0].length));
      if (!first) return undefined;
      const re = new RegExp(`^${first[1]}-(?=\\s)`, 'gm');
      re.lastIndex = data.index;
      for (let m = re.exec(this.text); m; m = re.exec(this.text)) this.entryLines.push(this.lineOf(m.index));
    }
    return this.entryLines[i];
  }

  /** 1-based line of the `nth` (1-based) `field:` key inside `data[i]`. */
  field(i: number, field: string, nth = 1): number | undefined {
    const line = this.entry(i);
    if (line === undefined) return undefined;
    const next = this.entry(i + 1);
    const to = next === undefined ? this.text.length : this.lineStarts[next - 1];
    const re = new RegExp(`(^|[\\s{,])${field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*:`, 'g');
    re.lastIndex = this.lineStarts[line - 1];
    for (let m = re.exec(this.text), k = 1; m && m.index < to; m = re.exec(this.text), k++)
      if (k === nth) return this.lineOf(m.index + m[1].length);
    return undefined;
  }

  /**
   * `file:line` of data[i] (or of the `nth` occurrence of a field in it), or `file: data[i]`
   * when the line is not found.
   */
  at(i: number, field?: string, nth = 1): string {
    const line = field ? (this.field(i, field, nth) ?? this.entry(i)) : this.entry(i);
    return line === undefined ? `${this.file}: data[${i}]` : `${this.file}:${line}`;
  }
}
