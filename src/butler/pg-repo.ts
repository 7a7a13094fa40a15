/**
 * A repository named by its PostgreSQL registry URL (`butlerConfig: postgresql://...`): each
 * PostgreSQL repository records its directory (butler.yaml and the datastore) in its schema's
 * `quanta_meta`, so the URL leads to the files. `?namespace=SCHEMA` picks one repository when the
 * database holds several.
 */
import { RegistryError } from '../errors.js';
import { quantaCommand } from '../util/cli-hint.js';
import { maskPasswords } from '../util/redact.js';
import { q, type Db } from './registry/db.js';
import { splitNamespace } from './registry/pg-connect.js';
import { PgDb } from './registry/pg-db.js';

const ROOT_KEY = 'repository_root';

/** Record the repository's directory in its registry (PostgreSQL repositories). */
export async function recordRepositoryRoot(db: Db, root: string): Promise<void> {
  await db.transaction(async () => {
    await db.run('DELETE FROM quanta_meta WHERE key = ?', [ROOT_KEY]);
    await db.run('INSERT INTO quanta_meta (key, value) VALUES (?, ?)', [ROOT_KEY, root]);
  });
}

export interface LocatedRepository {
  /** the repository's directory, as its registry recorded it */
  root: string;
  namespace: string;
  /** the URL to connect with (the given one, without `?namespace=`) */
  url: string;
}

/** The repositories (schema -> directory) in the database of `url`. */
async function repositoriesIn(db: PgDb, only?: string): Promise<Map<string, string | undefined>> {
  const schemas = await db.all<{ s: string }>(
    `SELECT table_schema AS s FROM information_schema.tables WHERE table_name = 'quanta_meta'${only ? ' AND table_schema = ?' : ''} ORDER BY 1`,
    only ? [only] : [],
  );
  const out = new Map<string, string | undefined>();
  for (const { s } of schemas) {
    const rows = await db.all<{ value: string }>(`SELECT value FROM ${q(s)}.quanta_meta WHERE key = ?`, [
      ROOT_KEY,
    ]);
    out.set(s, rows[0]?.value);
  }
  return out;
}

/** Find the repository a PostgreSQL registry URL names. */
export async function locateRepository(given: string): Promise<LocatedRepository> {
  const { url, namespace } = splitNamespace(given);
  const shown = maskPasswords(given);
  const db = new PgDb(url, 'public');
  let repos: Map<string, string | undefined>;
  try {
    repos = await repositoriesIn(db, namespace);
  } catch (e) {
    throw new RegistryError(
      'REGISTRY_CONNECT',
      `Cannot connect to the PostgreSQL registry ${shown}: ${(e as Error).message}. Check the server is running, the URL, and that the password is in the URL, PGPASSWORD or ~/.pgpass.`,
      { key: 'butlerConfig' },
    );
  } finally {
    await db.close();
  }
  const named = [...repos].filter((r): r is [string, string] => r[1] !== undefined);
  if (named.length === 0) {
    const why = namespace
      ? `no quanta repository in schema "${namespace}" of the PostgreSQL database ${shown}`
      : `No quanta repository in the PostgreSQL database ${shown}`;
    const older =
      repos.size > named.length
        ? ' (repositories made before quanta recorded their directory must be opened by their directory)'
        : '';
    throw new RegistryError(
      'REGISTRY_NO_REPOSITORY',
      `${why[0].toUpperCase()}${why.slice(1)}${older}; create one with: ${quantaCommand('butler create DIR --registry', maskPasswords(url))}`,
      { key: 'butlerConfig' },
    );
  }
  if (named.length > 1) {
    const list = named.map(([s, root]) => `${s} in ${root}`).join(', ');
    throw new RegistryError(
      'REGISTRY_AMBIGUOUS',
      `The PostgreSQL database ${shown} holds ${named.length} quanta repositories (${list}): add ?namespace=NAME to the URL, e.g. ${maskPasswords(url)}${url.includes('?') ? '&' : '?'}namespace=${named[0][0]}`,
      { key: 'butlerConfig' },
    );
  }
  return { root: named[0][1], namespace: named[0][0], url };
}
