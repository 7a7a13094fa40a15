/**
 * A data repository: `<root>/butler.yaml` (which registry, datastore templates), the registry
 * (SQLite file `<root>/registry.sqlite3`, or a PostgreSQL schema of its own) and the file datastore.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { maskPasswords, urlHasPassword } from '../util/redact.js';
import { FileDatastore } from './datastore/index.js';
import { locateRepository, recordRepositoryRoot } from './pg-repo.js';
import type { Db } from './registry/db.js';
import { isPgUrl, passwordFromEnvironment, splitNamespace, withoutPassword } from './registry/pg-connect.js';
import { PgDb } from './registry/pg-db.js';
import { Registry } from './registry/registry.js';
import { migrate } from './registry/schema.js';
import { SqliteDb } from './registry/sqlite-db.js';
import type { DimensionUniverse } from './universe.js';
import { getUniverse } from './universe.js';
import { quantaCommand } from '../util/cli-hint.js';

export const CONFIG_FILE = 'butler.yaml';
export const SQLITE_FILE = 'registry.sqlite3';

const configSchema = z.object({
  registry: z
    .object({
      db: z.string().default(`sqlite:${SQLITE_FILE}`),
      namespace: z.string().optional(),
    })
    .default({ db: `sqlite:${SQLITE_FILE}` }),
  datastore: z
    .object({
      templates: z.record(z.string(), z.string()).default({}),
    })
    .default({ templates: {} }),
});

export type ButlerConfig = z.infer<typeof configSchema>;

export interface Butler {
  root: string;
  universe: DimensionUniverse;
  registry: Registry;
  datastore: FileDatastore;
  config: ButlerConfig;
  close(): Promise<void>;
}

export interface CreateOptions {
  /** `postgresql://...` for a PostgreSQL registry; default SQLite inside the repo */
  registry?: string;
  /** PostgreSQL schema to use (default: the URL's `?namespace=`, else derived from the repo name, unique) */
  namespace?: string;
  /** where PGPASSWORD is looked up (default: process.env) */
  env?: NodeJS.ProcessEnv;
}

export interface OpenOptions {
  /** connect with this URL instead of butler.yaml's (the one `butlerConfig: postgresql://...` gave) */
  registryUrl?: string;
}

/** A PostgreSQL schema name unique to this repo (so many repos and parallel tests share a server). */
function defaultNamespace(root: string): string {
  const stem = basename(root)
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30);
  return `quanta_${stem}_${randomBytes(4).toString('hex')}`;
}

async function openDb(root: string, config: ButlerConfig): Promise<Db> {
  const url = config.registry.db;
  if (isPgUrl(url)) {
    const ns = config.registry.namespace ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(ns))
      throw new RegistryError(
        'REGISTRY_NAMESPACE',
        `Registry namespace "${ns}" in ${join(root, CONFIG_FILE)} must be a lower-case SQL identifier (a-z, 0-9, _).`,
        {
          file: join(root, CONFIG_FILE),
          key: 'registry.namespace',
        },
      );
    try {
      await PgDb.ensureSchema(url, ns);
    } catch (e) {
      throw new RegistryError(
        'REGISTRY_CONNECT',
        `Cannot connect to the PostgreSQL registry of ${root} (${maskPasswords(url)}): ${(e as Error).message}. Check the server is running, the URL in ${join(root, CONFIG_FILE)}, and that the password is in PGPASSWORD or ~/.pgpass.`,
        { file: join(root, CONFIG_FILE), key: 'registry.db' },
      );
    }
    return new PgDb(url, ns);
  }
  const m = /^sqlite:(.*)$/.exec(url);
  if (!m)
    throw new RegistryError(
      'REGISTRY_URL',
      `Registry "${url}" in ${join(root, CONFIG_FILE)} is neither sqlite:FILE nor postgresql://...`,
      {
        file: join(root, CONFIG_FILE),
        key: 'registry.db',
      },
    );
  return new SqliteDb(resolve(root, m[1]));
}

/** The password of a URL replaced by `***` for messages. */
export const redact = maskPasswords;

function makeButler(root: string, config: ButlerConfig, db: Db): Butler {
  const universe = getUniverse();
  const registry = new Registry(db, universe);
  return {
    root,
    universe,
    registry,
    datastore: new FileDatastore(root, config.datastore.templates),
    config,
    close: () => registry.close(),
  };
}

/** Create a new repository at `root` (the directory may exist but must not hold a repo). */
export async function createButler(root: string, opts: CreateOptions = {}): Promise<Butler> {
  const abs = resolve(root);
  const cfgPath = join(abs, CONFIG_FILE);
  if (existsSync(cfgPath))
    throw new RegistryError(
      'REPO_EXISTS',
      `${abs} already holds a repository (${cfgPath}); choose another directory or open it.`,
      {
        file: cfgPath,
      },
    );
  if (opts.registry && !isPgUrl(opts.registry))
    throw new RegistryError(
      'REGISTRY_URL',
      `--registry "${opts.registry}" is not a postgresql://USER:PASSWORD@HOST:PORT/DB URL (leave it out for SQLite).`,
    );
  mkdirSync(abs, { recursive: true });
  const pgUrl = opts.registry ? splitNamespace(opts.registry) : undefined;
  const config = configSchema.parse({
    registry: pgUrl
      ? { db: pgUrl.url, namespace: opts.namespace ?? pgUrl.namespace ?? defaultNamespace(abs) }
      : {},
  });
  const db = await openDb(abs, config);
  try {
    await migrate(db, getUniverse(), abs);
    if (pgUrl) await recordRepositoryRoot(db, abs);
  } catch (e) {
    await db.close();
    throw e;
  }
  // butler.yaml holds no password that PGPASSWORD or ~/.pgpass gives; when it must, only its owner reads it
  const stored =
    pgUrl && (await passwordFromEnvironment(pgUrl.url, opts.env ?? process.env))
      ? { ...config, registry: { ...config.registry, db: withoutPassword(pgUrl.url) } }
      : config;
  const secret = urlHasPassword(stored.registry.db);
  writeFileSync(cfgPath, `# quanta data repository\n${stringify(stored)}`, secret ? { mode: 0o600 } : {});
  if (secret) chmodSync(cfgPath, 0o600);
  return makeButler(abs, config, db);
}

/**
 * Open an existing repository: `root` is its directory, its butler.yaml, or the
 * `postgresql://...` URL of its registry (`?namespace=` when the database holds several).
 */
export async function openButler(root: string, opts: OpenOptions = {}): Promise<Butler> {
  // a URL is not a path: resolve() would turn postgresql://h/db into <cwd>/postgresql:/h/db
  if (isPgUrl(root)) {
    const found = await locateRepository(root);
    if (!existsSync(join(found.root, CONFIG_FILE)))
      throw new RegistryError(
        'REPO_NOT_FOUND',
        `${found.root} is not a quanta repository (no ${CONFIG_FILE}), but the registry ${maskPasswords(root)} (schema ${found.namespace}) says its files are there; open the repository on a machine that sees that directory.`,
        { file: join(found.root, CONFIG_FILE) },
      );
    return openButler(found.root, { registryUrl: found.url });
  }
  let abs = resolve(root);
  if (existsSync(abs) && statSync(abs).isFile()) abs = dirname(abs);
  const cfgPath = join(abs, CONFIG_FILE);
  if (!existsSync(cfgPath))
    throw new RegistryError(
      'REPO_NOT_FOUND',
      `${abs} is not a quanta repository (no ${CONFIG_FILE}); create one with: ${quantaCommand('butler create', root)}`,
      { file: cfgPath },
    );
  let config: ButlerConfig;
  try {
    config = configSchema.parse(parse(readFileSync(cfgPath, 'utf8')) ?? {});
  } catch (e) {
    throw new RegistryError(
      'REPO_CONFIG',
      `${cfgPath} is not a valid repository config: ${(e as Error).message}`,
      { file: cfgPath },
    );
  }
  // the URL that led here may carry credentials butler.yaml leaves to PGPASSWORD or ~/.pgpass
  if (opts.registryUrl) config = { ...config, registry: { ...config.registry, db: opts.registryUrl } };
  const db = await openDb(abs, config);
  try {
    await migrate(db, getUniverse(), abs);
  } catch (e) {
    await db.close();
    throw e;
  }
  return makeButler(abs, config, db);
}
