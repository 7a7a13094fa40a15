/**
 * One manager per run: a lease row in the journal (host, pid, since, heartbeat, token).
 * A live holder refuses a second manager with a message naming it; a holder that is provably
 * gone (same host and its pid is dead, or its heartbeat is older than `staleSec`) is taken over;
 * `force` takes over regardless.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { EngineError } from '../errors.js';
import { quantaCommand } from '../util/cli-hint.js';
import { pidAlive } from '../util/pid.js';

export interface LeaseRow {
  host: string;
  pid: number;
  since: number;
  heartbeat: number;
  token: string;
}

export interface LeaseOptions {
  force?: boolean;
  /** a heartbeat older than this means the holder is gone (default 60 s) */
  staleSec?: number;
}

export { pidAlive };

/** Why the holder is gone, or undefined when it may still be alive. */
export function holderGone(row: LeaseRow, staleSec: number, now = Date.now()): string | undefined {
  if (row.host === hostname() && row.pid !== process.pid && !pidAlive(row.pid)) {
    return `its process ${row.pid} on ${row.host} is gone`;
  }
  if (now - row.heartbeat > staleSec * 1000) {
    return `its last heartbeat was ${Math.round((now - row.heartbeat) / 1000)} s ago`;
  }
  return undefined;
}

export function readLease(db: Database.Database): LeaseRow | undefined {
  return db.prepare('SELECT host, pid, since, heartbeat, token FROM lease WHERE id = 1').get() as
    LeaseRow | undefined;
}

/** Take the lease or throw EngineError naming the holder. Returns the new lease and, when taken over, why. */
export function acquireLease(
  db: Database.Database,
  submitDir: string,
  opts: LeaseOptions = {},
): { lease: LeaseRow; tookOverBecause?: string } {
  const staleSec = opts.staleSec ?? 60;
  const take = db.transaction(() => {
    const cur = readLease(db);
    let because: string | undefined;
    if (cur) {
      because = opts.force ? 'forced (--force)' : holderGone(cur, staleSec);
      if (!because) {
        throw new EngineError(
          'LEASE_HELD',
          `run ${submitDir} is managed by process ${cur.pid} on ${cur.host} since ${new Date(cur.since).toISOString()} ` +
            `(last heartbeat ${Math.round((Date.now() - cur.heartbeat) / 1000)} s ago). ` +
            `Wait for it, stop it with \`${quantaCommand('cancel', submitDir)}\`, or pass --force if you are sure it is gone.`,
          { file: submitDir },
        );
      }
    }
    const now = Date.now();
    const lease: LeaseRow = {
      host: hostname(),
      pid: process.pid,
      since: now,
      heartbeat: now,
      token: randomUUID(),
    };
    db.prepare(
      'INSERT OR REPLACE INTO lease (id, host, pid, since, heartbeat, token) VALUES (1, @host, @pid, @since, @heartbeat, @token)',
    ).run(lease);
    return { lease, tookOverBecause: cur ? because : undefined };
  });
  return take.immediate();
}

/** Refresh the heartbeat; false when another manager took the lease (we must stop). */
export function heartbeatLease(db: Database.Database, token: string): boolean {
  return (
    db.prepare('UPDATE lease SET heartbeat = ? WHERE id = 1 AND token = ?').run(Date.now(), token).changes ===
    1
  );
}

export function releaseLease(db: Database.Database, token: string): void {
  db.prepare('DELETE FROM lease WHERE id = 1 AND token = ?').run(token);
}
