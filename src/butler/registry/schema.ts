/**
 * Schema creation and migrations. The schema version is recorded in `quanta_meta`; opening a
 * repository whose schema is newer than this quanta understands is a RegistryError.
 */
import { RegistryError } from '../../errors.js';
import type { DimensionUniverse } from '../universe.js';
import { elementColumns, isKeyOnly, primaryKeyColumns, sqlType } from './columns.js';
import type { Db, Dialect } from './db.js';
import { q } from './db.js';
import { upgradeUniverse } from './universe-upgrade.js';
import { quantaCommand } from '../../util/cli-hint.js';

export const SCHEMA_VERSION = 1;

interface Migration {
  version: number;
  statements(universe: DimensionUniverse, dialect: Dialect): string[];
}

function dimensionTables(universe: DimensionUniverse, dialect: Dialect): string[] {
  const out: string[] = [];
  for (const name of universe.topologicalOrder()) {
    const spec = universe.element(name);
    const cols = elementColumns(universe, name);
    const pk = primaryKeyColumns(universe, name);
    const lines = cols.map(
      (c) =>
        `${q(c.name)} ${sqlType(c.type, dialect)}${pk.includes(c.name) || c.role === 'required' ? ' NOT NULL' : ''}`,
    );
    lines.push(`PRIMARY KEY (${pk.map(q).join(', ')})`);
    const req = universe.required(spec.requires);
    for (const k of spec.keys.slice(1)) lines.push(`UNIQUE (${[...req, k.name].map(q).join(', ')})`);
    // foreign keys to the tables of required and implied dimensions
    for (const d of [...new Set([...spec.requires, ...req, ...spec.implies])]) {
      if (isKeyOnly(universe, d)) continue;
      const dreq = universe.required(universe.element(d).requires);
      const from = [...dreq, d];
      const to = [...dreq, universe.primaryKey(d).name];
      lines.push(
        `FOREIGN KEY (${from.map(q).join(', ')}) REFERENCES ${q(`dim_${d}`)} (${to.map(q).join(', ')})`,
      );
    }
    out.push(`CREATE TABLE ${q(`dim_${name}`)} (\n  ${lines.join(',\n  ')}\n)`);
  }
  return out;
}

function coreTables(universe: DimensionUniverse, dialect: Dialect): string[] {
  const dimCols = universe.dimensionNames.map(
    (d) => `${q(d)} ${sqlType(universe.primaryKey(d).type, dialect)}`,
  );
  const bool = sqlType('bool', dialect);
  return [
    `CREATE TABLE dataset_type (name TEXT PRIMARY KEY, dimensions TEXT NOT NULL, storage_class TEXT NOT NULL, is_calibration ${bool} NOT NULL)`,
    `CREATE TABLE collection (name TEXT PRIMARY KEY, type TEXT NOT NULL CHECK (type IN ('RUN', 'TAGGED', 'CHAINED')), doc TEXT)`,
    `CREATE TABLE collection_chain (parent TEXT NOT NULL REFERENCES collection (name) ON DELETE CASCADE, position INTEGER NOT NULL, child TEXT NOT NULL REFERENCES collection (name) ON DELETE CASCADE, PRIMARY KEY (parent, position))`,
    `CREATE TABLE dataset (id TEXT PRIMARY KEY, dataset_type TEXT NOT NULL REFERENCES dataset_type (name), run TEXT NOT NULL REFERENCES collection (name) ON DELETE CASCADE, data_id TEXT NOT NULL, ${dimCols.join(', ')}, UNIQUE (dataset_type, run, data_id))`,
    `CREATE INDEX dataset_type_run ON dataset (dataset_type, run)`,
    `CREATE TABLE dataset_location (dataset_id TEXT PRIMARY KEY REFERENCES dataset (id) ON DELETE CASCADE, path TEXT NOT NULL, checksum TEXT, size BIGINT)`,
    `CREATE TABLE tagged (collection TEXT NOT NULL REFERENCES collection (name) ON DELETE CASCADE, dataset_id TEXT NOT NULL REFERENCES dataset (id) ON DELETE CASCADE, PRIMARY KEY (collection, dataset_id))`,
    `CREATE INDEX tagged_dataset ON tagged (dataset_id)`,
  ];
}

const MIGRATIONS: Migration[] = [
  { version: 1, statements: (u, d) => [...dimensionTables(u, d), ...coreTables(u, d)] },
];

async function readMeta(db: Db): Promise<Map<string, string> | undefined> {
  try {
    const rows = await db.all<{ key: string; value: string }>('SELECT key, value FROM quanta_meta');
    return new Map(rows.map((r) => [r.key, r.value]));
  } catch {
    return undefined; // no quanta_meta table yet: a new, empty registry
  }
}

/**
 * Bring the registry schema up to SCHEMA_VERSION. `where` names the repo in messages.
 */
export async function migrate(db: Db, universe: DimensionUniverse, where: string): Promise<void> {
  const meta = await readMeta(db);
  const current = meta ? Number(meta.get('schema_version') ?? 0) : 0;
  if (current > SCHEMA_VERSION)
    throw new RegistryError(
      'REGISTRY_SCHEMA_NEWER',
      `The registry of ${where} has schema version ${current}, but this quanta understands versions up to ${SCHEMA_VERSION}: upgrade quanta to open this repository.`,
    );
  const ns = meta?.get('universe_namespace');
  if (ns && ns !== universe.namespace)
    throw new RegistryError(
      'REGISTRY_UNIVERSE',
      `The registry of ${where} uses dimension universe "${ns}", not "${universe.namespace}": it was made by another tool; create a new repository with ${quantaCommand('butler create DIR')}.`,
    );
  if (current === SCHEMA_VERSION) {
    // a registry of an older quanta universe gets the new elements and fields
    if (Number(meta?.get('universe_version') ?? universe.version) < universe.version)
      await db.transaction(async () => {
        await upgradeUniverse(db, universe, dimensionTables(universe, db.dialect));
        await db.run('UPDATE quanta_meta SET value = ? WHERE key = ?', [
          String(universe.version),
          'universe_version',
        ]);
      });
    return;
  }
  await db.transaction(async () => {
    if (!meta) await db.exec('CREATE TABLE quanta_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      for (const s of m.statements(universe, db.dialect)) await db.exec(s);
    }
    const set = async (key: string, value: string): Promise<void> => {
      await db.run('DELETE FROM quanta_meta WHERE key = ?', [key]);
      await db.run('INSERT INTO quanta_meta (key, value) VALUES (?, ?)', [key, value]);
    };
    await set('schema_version', String(SCHEMA_VERSION));
    await set('universe_version', String(universe.version));
    await set('universe_namespace', universe.namespace);
  });
}
