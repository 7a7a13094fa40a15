/**
 * The one SQL connection interface both registry backends implement. Statements are written
 * with `?` placeholders; the PostgreSQL backend renumbers them to `$n` (statements that already
 * carry `$n`, such as compiled where clauses, are passed through untouched).
 */
export type Dialect = 'sqlite' | 'postgres';

export type SqlValue = string | number | bigint | boolean | null;

export interface Db {
  readonly dialect: Dialect;
  /** rows of a query */
  all<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** run a statement; resolves to the number of rows changed */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** run several `;`-separated statements without parameters (DDL) */
  exec(sql: string): Promise<void>;
  /** insert many rows into `table`; `ignore` skips rows whose key exists */
  insertMany(
    table: string,
    columns: string[],
    rows: unknown[][],
    conflict: 'error' | 'ignore',
  ): Promise<void>;
  /** run `fn` in one transaction (nested calls join the outer one) */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `"name"`: identifiers are always quoted (they come from the universe, never from users). */
export function q(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `?` -> `$1, $2, ...` unless the statement already uses numbered placeholders. */
export function numberPlaceholders(sql: string): string {
  if (/\$\d/.test(sql)) return sql;
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Collects the parameters of a statement built piece by piece, in text order, returning the
 * placeholder each value needs in the dialect (`?` or `$n`).
 */
export class Params {
  readonly values: unknown[] = [];
  constructor(readonly dialect: Dialect) {}
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect === 'sqlite' ? '?' : `$${this.values.length}`;
  }
  list(values: readonly unknown[]): string {
    return values.map((v) => this.add(v)).join(', ');
  }
}
