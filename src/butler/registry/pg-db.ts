/**
 * The PostgreSQL backend (pg). Each repository lives in its own schema (namespace), selected
 * with `search_path` on every connection, so several repos (and parallel tests) share a server.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import type { Db, Dialect } from './db.js';
import { numberPlaceholders, q } from './db.js';
import { pgClientConfig } from './pg-connect.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const ANALYZE_ROWS = 1000;

/** bigint columns (our `int` fields) come back as JS numbers, as from SQLite. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

type Queryable = pg.Pool | pg.PoolClient;

export class PgDb implements Db {
  readonly dialect: Dialect = 'postgres';
  private readonly pool: pg.Pool;
  private readonly tx = new AsyncLocalStorage<pg.PoolClient>();

  constructor(url: string, schema: string) {
    this.pool = new pg.Pool({
      ...pgClientConfig(url),
      max: 4,
      options: `-c search_path=${schema}`,
      types: types as pg.CustomTypesConfig,
    });
  }

  /** Create the namespace when missing (before the first query that relies on search_path). */
  static async ensureSchema(url: string, schema: string): Promise<void> {
    const client = new pg.Client(pgClientConfig(url));
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${q(schema)}`);
    } finally {
      await client.end();
    }
  }

  private conn(): Queryable {
    return this.tx.getStore() ?? this.pool;
  }

  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const r = await this.conn().query(numberPlaceholders(sql), params as unknown[]);
    return r.rows as T[];
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const r = await this.conn().query(numberPlaceholders(sql), params as unknown[]);
    return r.rowCount ?? 0;
  }

  async exec(sql: string): Promise<void> {
    await this.conn().query(sql);
  }

  async insertMany(
    table: string,
    columns: string[],
    rows: unknown[][],
    conflict: 'error' | 'ignore',
  ): Promise<void> {
    // multi-row VALUES in batches under PostgreSQL's 65535-parameter limit
    const perBatch = Math.max(1, Math.floor(30000 / Math.max(1, columns.length)));
    const suffix = conflict === 'ignore' ? ' ON CONFLICT DO NOTHING' : '';
    const head = `INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES `;
    await this.transaction(async () => {
      for (let i = 0; i < rows.length; i += perBatch) {
        const batch = rows.slice(i, i + perBatch);
        const params: unknown[] = [];
        const tuples = batch.map((r) => {
          const ph = r.map((v) => {
            params.push(v instanceof Date ? v.toISOString() : (v ?? null));
            return `$${params.length}`;
          });
          return `(${ph.join(', ')})`;
        });
        await this.conn().query(head + tuples.join(', ') + suffix, params);
      }
      // fresh statistics after a bulk load, or the planner picks nested loops over 37k-row joins
      if (rows.length >= ANALYZE_ROWS) await this.conn().query(`ANALYZE ${q(table)}`);
    });
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.tx.getStore()) return fn();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await this.tx.run(client, fn);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
