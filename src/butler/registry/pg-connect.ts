/**
 * PostgreSQL registry URLs: `postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?namespace=SCHEMA]`.
 * The password follows libpq's order: the URL's, else `PGPASSWORD`, else `~/.pgpass` (or
 * `PGPASSFILE`), so butler.yaml need not hold it. `namespace` is quanta's: the repository's
 * schema, used when the URL itself names a repository (`butlerConfig: postgresql://...`).
 */
import pgpass from 'pgpass';
import type { ClientConfig } from 'pg';

export function isPgUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

interface Parts {
  url: URL;
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
}

function parts(url: string): Parts {
  const u = new URL(url);
  const user = decodeURIComponent(u.username);
  const socketHost = u.searchParams.get('host');
  return {
    url: u,
    user,
    password: decodeURIComponent(u.password),
    host: socketHost ?? decodeURIComponent(u.hostname),
    port: u.port ? Number(u.port) : 5432,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || user,
  };
}

/** The `?namespace=` of a registry URL, and the URL without it (what pg connects to). */
export function splitNamespace(url: string): { url: string; namespace?: string } {
  const u = new URL(url);
  const namespace = u.searchParams.get('namespace') ?? undefined;
  if (namespace === undefined) return { url };
  u.searchParams.delete('namespace');
  return { url: u.toString(), namespace };
}

/** The URL with its password taken out (for butler.yaml when PGPASSWORD or ~/.pgpass has it). */
export function withoutPassword(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.toString();
}

/** The password ~/.pgpass (or `PGPASSFILE`) gives for this URL's host, port, database and user. */
export function pgpassPassword(url: string): Promise<string | undefined> {
  const p = parts(url);
  return new Promise((resolve) =>
    pgpass({ host: p.host, port: p.port, database: p.database, user: p.user }, (pass) => resolve(pass)),
  );
}

/** Whether, without its password in the URL, libpq's sources give the same password. */
export async function passwordFromEnvironment(url: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const want = parts(url).password;
  if (!want) return true;
  if (env.PGPASSWORD !== undefined) return env.PGPASSWORD === want;
  return (await pgpassPassword(url)) === want;
}

/** node-postgres settings for a registry URL; a URL without a password asks PGPASSWORD, then ~/.pgpass. */
export function pgClientConfig(url: string): ClientConfig {
  const p = parts(url);
  const sslmode = p.url.searchParams.get('sslmode');
  const ssl =
    sslmode === null || sslmode === 'disable' || sslmode === 'prefer'
      ? undefined
      : sslmode === 'no-verify'
        ? { rejectUnauthorized: false }
        : true;
  return {
    host: p.host,
    port: p.port,
    user: p.user || undefined,
    database: p.database,
    // asked only when the server wants a password
    password: p.password
      ? p.password
      : async () => process.env.PGPASSWORD ?? (await pgpassPassword(url)) ?? '',
    ...(ssl === undefined ? {} : { ssl }),
  };
}
