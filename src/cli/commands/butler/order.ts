/**
 * `--order-by NAME[,NAME...]` (repeatable; `-NAME` reverses), applied to the rows a query
 * returned. Names are result columns: dimension names for data IDs and datasets, the element's
 * fields for dimension records (`exposure.day_obs`, `timespan.begin` and the element name for its
 * key are accepted there, as daf_butler does).
 */
import { UsageError } from '../../../errors.js';

export interface OrderTerm {
  column: string;
  descending: boolean;
}

/**
 * @param resolve maps a user name to a column, or undefined when the name is not a column
 * @param valid the column names to list in the error
 */
export function parseOrderBy(
  items: readonly string[] = [],
  resolve: (name: string) => string | undefined,
  valid: readonly string[],
): OrderTerm[] {
  const terms: OrderTerm[] = [];
  for (const raw of items
    .flatMap((i) => i.split(','))
    .map((s) => s.trim())
    .filter(Boolean)) {
    const descending = raw.startsWith('-');
    const name = descending ? raw.slice(1) : raw;
    const column = resolve(name);
    if (!column)
      throw new UsageError(
        'BAD_ORDER_BY',
        `--order-by ${raw}: "${name}" is not a column of the result; use one of ${valid.join(', ')} (prefix - to reverse).`,
        { key: name },
      );
    terms.push({ column, descending });
  }
  return terms;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

/** A stable sort of `rows` by the terms (rows keep their order where the terms tie). */
export function sortRows<T>(
  rows: T[],
  terms: readonly OrderTerm[],
  get: (row: T, column: string) => unknown,
): T[] {
  if (terms.length === 0) return rows;
  return [...rows].sort((x, y) => {
    for (const t of terms) {
      const c = compare(get(x, t.column), get(y, t.column));
      if (c !== 0) return t.descending ? -c : c;
    }
    return 0;
  });
}
