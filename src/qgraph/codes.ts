/**
 * Dense codes for distinct values, in first-seen order: the dictionaries of the graph's columns
 * (dataset types, runs, shared data-ID objects by identity). `list[code]` gives the value back.
 */
export class Codes<T> {
  readonly list: T[] = [];
  private readonly index = new Map<T, number>();

  /** The value's code; a value not seen before gets the next one. */
  code(value: T): number {
    let c = this.index.get(value);
    if (c === undefined) {
      c = this.list.push(value) - 1;
      this.index.set(value, c);
    }
    return c;
  }
}
