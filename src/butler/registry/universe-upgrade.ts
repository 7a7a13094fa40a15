/**
 * A registry made with an older quanta universe (fewer elements or fields) brought up to the
 * current one when it is opened: the missing `dim_` tables are created, missing columns added
 * (nullable, as new fields are) to the dimension tables and to `dataset` (one per dimension).
 * Existing rows are untouched. Runs only when quanta_meta's universe_version is older.
 */
import type { DimensionUniverse } from '../universe.js';
import { elementColumns, sqlType } from './columns.js';
import type { Db } from './db.js';
import { q } from './db.js';

async function tables(db: Db): Promise<Set<string>> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      : await db.all<{ name: string }>(
          'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()',
        );
  return new Set(rows.map((r) => r.name));
}

async function columns(db: Db, table: string): Promise<Set<string>> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.all<{ name: string }>(`PRAGMA table_info(${q(table)})`)
      : await db.all<{ name: string }>(
          'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?',
          [table],
        );
  return new Set(rows.map((r) => r.name));
}

/**
 * `createStatements` are the CREATE TABLE statements of every dimension table of the current
 * universe (schema.ts); those of missing tables are run, in their (dependency) order.
 */
export async function upgradeUniverse(
  db: Db,
  universe: DimensionUniverse,
  createStatements: string[],
): Promise<void> {
  const have = await tables(db);
  for (const el of universe.topologicalOrder()) {
    const table = `dim_${el}`;
    if (!have.has(table)) {
      const create = createStatements.find((s) => s.startsWith(`CREATE TABLE ${q(table)} (`));
      if (create) await db.exec(create);
      continue;
    }
    const cols = await columns(db, table);
    for (const c of elementColumns(universe, el))
      if (!cols.has(c.name)) {
        const add = `ALTER TABLE ${q(table)} ADD COLUMN ${q(c.name)} ${sqlType(c.type, db.dialect)}`; // SQL
        await db.exec(add);
      }
  }
  const datasetCols = await columns(db, 'dataset');
  for (const d of universe.dimensionNames)
    if (!datasetCols.has(d))
      await db.exec(
        `ALTER TABLE dataset ADD COLUMN ${q(d)} ${sqlType(universe.primaryKey(d).type, db.dialect)}`,
      );
}
