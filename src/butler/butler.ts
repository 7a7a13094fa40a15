/**
 * A data repository: `<root>/butler.yaml` (which registry, datastore templates), the registry
 * (SQLite file `<root>/registry.sqlite3`, or a PostgreSQL schema of its own) and the file datastore.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { FileDatastore } from './datastore/index.js';
import type { Db } from './registry/db.js';
import { PgDb } from './registry/pg-db.js';
import { Registry } from './registry/registry.js';
import { migrate } from './registry/schema.js';
import { SqliteDb } from './registry/sqlite-db.js';
import type { DimensionUniverse } from './universe.js';
import { getUniverse } from './universe.js';

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
  /** PostgreSQL schema to use (default: derived from the repo name, unique) */
  namespace?: string;
}

function isPg(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
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
  if (isPg(url)) {
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
        `Cannot connect to the PostgreSQL registry of ${root} (${redact(url)}): ${(e as Error).message}. Check the server is running and the URL in ${join(root, CONFIG_FILE)}.`,
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
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

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
  if (opts.registry && !isPg(opts.registry))
    throw new RegistryError(
      'REGISTRY_URL',
      `--registry "${opts.registry}" is not a postgresql://USER:PASSWORD@HOST:PORT/DB URL (leave it out for SQLite).`,
    );
  mkdirSync(abs, { recursive: true });
  const config = configSchema.parse({
    registry: opts.registry ? { db: opts.registry, namespace: opts.namespace ?? defaultNamespace(abs) } : {},
  });
  const db = await openDb(abs, config);
  try {
    await migrate(db, getUniverse(), abs);
  } catch (e) {
    await db.close();
    throw e;
  }
  writeFileSync(cfgPath, `# quanta data repository\n${stringify(config)}`);
  return makeButler(abs, config, db);
}

/** Open an existing repository (`root` is its directory or its butler.yaml). */
export async function openButler(root: string): Promise<Butler> {
  let abs = resolve(root);
  if (existsSync(abs) && statSync(abs).isFile()) abs = dirname(abs);
  const cfgPath = join(abs, CONFIG_FILE);
  if (!existsSync(cfgPath))
    throw new RegistryError(
      'REPO_NOT_FOUND',
      `${abs} is not a quanta repository (no ${CONFIG_FILE}); create one with: quanta butler create ${root}`,
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
  const db = await openDb(abs, config);
  try {
    await migrate(db, getUniverse(), abs);
  } catch (e) {
    await db.close();
    throw e;
  }
  return makeButler(abs, config, db);
}
