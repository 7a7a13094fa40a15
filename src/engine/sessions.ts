/**
 * The time a run was driven: the manager sessions recorded in the journal's event log. A session
 * opens with the `start` or `restore` run event and closes with `end`; a manager that died leaves
 * no `end`, so its session closes at its last sign of life (its last event, or the heartbeat of
 * the lease it left behind). The gaps between sessions (a run waiting for `quanta restore`, a batch
 * job waiting in the queue) are not driven time.
 */
import type { JournalReader } from './journal-read.js';
import { holderGone } from './lease.js';

export interface Session {
  /** epoch ms */
  start: number;
  /** epoch ms: `now` for the session still driving the run */
  end: number;
  /** the manager of this session is still driving the run */
  live: boolean;
}

export interface DrivenTime {
  sessions: Session[];
  /** the sessions' lengths added up (s) */
  drivenSec: number;
  /** epoch ms the last session ended; null while a manager drives the run (or before any) */
  endedAt: number | null;
}

/** A manager holds the lease and is not provably gone. */
export function leaseLive(j: JournalReader, now = Date.now()): boolean {
  const lease = j.lease();
  return !!lease && !holderGone(lease, 60, now);
}

export function drivenTime(j: JournalReader, now = Date.now()): DrivenTime {
  const live = leaseLive(j, now);
  const marks = j.db
    .prepare(
      "SELECT id, ts, state FROM events WHERE kind = 'run' AND state IN ('start', 'restore', 'end') ORDER BY id",
    )
    .all() as { id: number; ts: number; state: string }[];
  // the next session's restore plan is journaled with ids before its `restore` event, but not earlier in time
  const lastSign = j.db.prepare('SELECT max(ts) AS ts FROM events WHERE id > ? AND id < ? AND ts < ?');
  const lease = j.lease();
  const sessions: Session[] = [];
  let open: { id: number; ts: number } | undefined;
  // a session that got no `end`: it lasted until its manager's last event (or the next session's start)
  const closeDead = (o: { id: number; ts: number }, beforeId: number, nextStart?: number): Session => {
    const before = nextStart ?? Number.MAX_SAFE_INTEGER;
    let end = (lastSign.get(o.id, beforeId, before) as { ts: number | null }).ts ?? o.ts;
    // the lease a dead manager left behind is the last session's (a later manager replaced earlier ones)
    if (lease && nextStart === undefined) end = Math.max(end, lease.heartbeat);
    return { start: o.ts, end: Math.max(o.ts, Math.min(end, nextStart ?? end)), live: false };
  };
  for (const m of marks) {
    if (m.state === 'end') {
      if (open) sessions.push({ start: open.ts, end: Math.max(open.ts, m.ts), live: false });
      open = undefined;
      continue;
    }
    if (open) sessions.push(closeDead(open, m.id, m.ts));
    open = { id: m.id, ts: m.ts };
  }
  if (open) {
    sessions.push(
      live
        ? { start: open.ts, end: Math.max(open.ts, now), live: true }
        : closeDead(open, Number.MAX_SAFE_INTEGER),
    );
  }
  if (sessions.length === 0) {
    // a journal without run events (written by hand or by an old quanta): first start to last end
    const r = j.db.prepare('SELECT min(started_at) AS s, max(ended_at) AS e FROM jobs').get() as {
      s: number | null;
      e: number | null;
    };
    if (r.s !== null) sessions.push({ start: r.s, end: live ? now : Math.max(r.s, r.e ?? r.s), live });
  }
  const drivenSec = sessions.reduce((s, x) => s + (x.end - x.start), 0) / 1000;
  const last = sessions.at(-1);
  return { sessions, drivenSec, endedAt: last && !last.live ? last.end : null };
}
