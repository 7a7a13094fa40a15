/**
 * `quanta cancel`: ask the manager holding a run's lease to cancel (a request row it polls, plus
 * SIGTERM when it runs on this host), wait for it to let go; when no manager is alive, mark the
 * run's pending, ready and running jobs cancelled directly.
 */
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { Journal } from './journal.js';
import { journalPath } from './journal-schema.js';
import { openJournalReadOnly } from './journal-read.js';
import { holderGone, pidAlive, readLease } from './lease.js';

export interface CancelResult {
  /** 'manager': a live manager was asked and stopped; 'journal': no manager, jobs marked here */
  via: 'manager' | 'journal';
  holder?: { host: string; pid: number };
  cancelled: number;
  /** the manager did not let go within the wait */
  timedOut?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function requestCancel(
  submitDir: string,
  opts: { waitMs?: number; staleSec?: number } = {},
): Promise<CancelResult> {
  openJournalReadOnly(submitDir).close(); // typed error when it is not a submit dir
  const db = new Database(journalPath(submitDir));
  db.pragma('busy_timeout = 10000');
  try {
    const lease = readLease(db);
    if (lease && !holderGone(lease, opts.staleSec ?? 60)) {
      db.prepare("INSERT INTO requests (kind, ts, host, pid) VALUES ('cancel', ?, ?, ?)").run(
        Date.now(),
        hostname(),
        process.pid,
      );
      if (lease.host === hostname() && pidAlive(lease.pid)) {
        try {
          process.kill(lease.pid, 'SIGTERM');
        } catch {
          // it exited meanwhile
        }
      }
      const until = Date.now() + (opts.waitMs ?? 30_000);
      while (Date.now() < until) {
        const cur = readLease(db);
        if (!cur || cur.token !== lease.token) break;
        await sleep(200);
      }
      const cur = readLease(db);
      const timedOut = !!cur && cur.token === lease.token;
      const cancelled = (
        db.prepare("SELECT count(*) AS n FROM jobs WHERE state = 'cancelled'").get() as { n: number }
      ).n;
      return {
        via: 'manager',
        holder: { host: lease.host, pid: lease.pid },
        cancelled,
        ...(timedOut ? { timedOut } : {}),
      };
    }
  } finally {
    db.close();
  }
  const j = Journal.open(submitDir, { staleSec: opts.staleSec });
  try {
    const rows = j.db
      .prepare("SELECT idx, id FROM jobs WHERE state IN ('pending', 'ready', 'running')")
      .all() as {
      idx: number;
      id: string;
    }[];
    for (const r of rows)
      j.job(r.idx, r.id, 'cancelled', { message: 'cancelled on request (no manager was running)' });
    j.flush();
    return { via: 'journal', cancelled: rows.length };
  } finally {
    j.close();
  }
}
