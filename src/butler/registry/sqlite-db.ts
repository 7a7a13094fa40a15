/** The SQLite backend (better-sqlite3, WAL): the embedded default, one file inside the repo. */
import Database from 'better-sqlite3';
import type { Db, Dialect } from './db.js';
import { q } from './db.js';

/** better-sqlite3 binds only numbers, strings, bigints, buffers and null. */
function bindable(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  return v;
}

export class SqliteDb implements Db {
  readonly dialect: Dialect = 'sqlite';
  private readonly db: Database.Database;
  private depth = 0;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 10000');
  }

  all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return Promise.resolve(this.db.prepare(sql).all(...params.map(bindable)) as T[]);
  }

  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return Promise.resolve(this.db.prepare(sql).run(...params.map(bindable)).changes);
  }

  exec(sql: string): Promise<void> {
    this.db.exec(sql);
    return Promise.resolve();
  }

  insertMany(
    table: string,
    columns: string[],
    rows: unknown[][],
    conflict: 'error' | 'ignore',
  ): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const verb = conflict === 'ignore' ? 'INSERT OR IGNORE' : 'INSERT';
    const stmt = this.db.prepare(
      `${verb} INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    const insertAll = this.db.transaction((rs: unknown[][]) => {
      for (const r of rs) stmt.run(...r.map(bindable));
    });
    insertAll(rows);
    // statistics for the planner after a bulk load (cheap: SQLite samples)
    // (a prepared statement, not exec: `table` is one of the registry's own tables, quoted by q())
    if (rows.length >= 1000) this.db.prepare(`ANALYZE ${q(table)}`).run();
    return Promise.resolve();
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    // better-sqlite3's own transaction() wants a synchronous body; ours are async (shared interface)
    if (this.depth > 0) return fn();
    this.db.exec('BEGIN IMMEDIATE');
    this.depth++;
    try {
      const out = await fn();
      this.db.exec('COMMIT');
      return out;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    } finally {
      this.depth--;
    }
  }

  close(): Promise<void> {
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }
}
