import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/engine/journal.js';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { journalPath, SCHEMA } from '../../src/engine/journal-schema.js';
import { EngineError } from '../../src/errors.js';
import { tempDir } from './helpers.js';

function seeded(dir: string): Journal {
  const j = Journal.open(dir);
  j.seedJobs([
    { id: 'a.1', label: 'a', requestMemory: 100, requestCpus: 1 },
    { id: 'a.2', label: 'a', requestMemory: 100, requestCpus: 1 },
    { id: 'b.1', label: 'b', requestMemory: 300, requestCpus: 2 },
  ]);
  return j;
}

function setLease(dir: string, row: { host: string; pid: number; heartbeat: number }): void {
  const db = new Database(journalPath(dir));
  db.prepare('UPDATE lease SET host = ?, pid = ?, heartbeat = ?, since = ? WHERE id = 1').run(
    row.host,
    row.pid,
    row.heartbeat,
    row.heartbeat,
  );
  db.close();
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('journal', () => {
  it('commits buffered transitions in one flush and reads them back without the lease', () => {
    const dir = tempDir('journal');
    const j = seeded(dir);
    j.job(0, 'a.1', 'running', { attempt: 1, worker_id: 'w', node: 'n', log_path: '/x.log' });
    j.job(2, 'b.1', 'ready', { ready_at: 5 });
    const r0 = openJournalReadOnly(dir);
    expect(r0.jobs({ state: 'running' })).toHaveLength(0); // not flushed yet
    j.flush();
    expect(r0.jobs({ state: 'running' }).map((x) => x.id)).toEqual(['a.1']);
    j.job(0, 'a.1', 'succeeded', { peak_memory: 42, ended_at: 9 });
    j.job(0, 'a.1', 'succeeded', { peak_memory: 10 }); // peak keeps the max
    j.flush();
    const s = r0.summaryByLabel();
    expect(s.map((x) => [x.label, x.succeeded, x.pending, x.ready, x.total])).toEqual([
      ['a', 1, 1, 0, 2],
      ['b', 0, 0, 1, 1],
    ]);
    expect(s[0].peakMemoryMB).toBe(42);
    const ev = r0.events(0);
    expect(ev.map((e) => e.state)).toEqual(['running', 'ready', 'succeeded', 'succeeded']);
    expect(r0.events(ev[1].id)).toHaveLength(2);
    expect(r0.lease()?.pid).toBe(process.pid);
    r0.close();
    j.close();
    const r1 = openJournalReadOnly(dir);
    expect(r1.lease()).toBeUndefined();
    r1.close();
  });

  it('refuses a second manager, naming the holder host, pid and since', () => {
    const dir = tempDir('lease');
    const j = seeded(dir);
    let err: unknown;
    try {
      Journal.open(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('LEASE_HELD');
    expect((err as Error).message).toContain(`process ${process.pid} on`);
    expect((err as Error).message).toMatch(/since \d{4}-\d\d-\d\dT/);
    j.close();
  });

  it('takes over a lease whose holder on this host is dead', () => {
    const dir = tempDir('lease-dead');
    const j = seeded(dir);
    const token = j.lease.token;
    j.db.close(); // simulate a crash: the lease row stays
    setLease(dir, { host: hostname(), pid: deadPid(), heartbeat: Date.now() });
    const k = Journal.open(dir);
    expect(k.tookOverBecause).toMatch(/is gone/);
    expect(k.lease.token).not.toBe(token);
    k.close();
  });

  it('takes over a lease whose heartbeat expired, and --force overrides a live one', () => {
    const dir = tempDir('lease-stale');
    const j = seeded(dir);
    j.db.close();
    setLease(dir, { host: 'elsewhere', pid: 1, heartbeat: Date.now() - 120_000 });
    const k = Journal.open(dir, { staleSec: 60 });
    expect(k.tookOverBecause).toMatch(/heartbeat was 12\d s ago/);
    expect(() => Journal.open(dir)).toThrow(/managed by process/);
    const f = Journal.open(dir, { force: true });
    expect(f.tookOverBecause).toContain('forced');
    expect(k.heartbeat()).toBe(false); // the old holder learns it lost the lease
    f.close();
  });

  it('says clearly when a directory is not a submit dir', () => {
    expect(() => openJournalReadOnly(join(tempDir('none'), 'x'))).toThrow(/is not a submit directory/);
  });

  it('gives a journal written before failures were counted its failures column, from its retry events', () => {
    const dir = tempDir('journal-old');
    // the schema as quanta wrote it before the `failures` column
    const oldSchema = SCHEMA.split('\n')
      .filter((l) => !l.trimStart().startsWith('failures '))
      .join('\n');
    expect(oldSchema).not.toContain('failures');
    const db = new Database(journalPath(dir));
    db.exec(oldSchema);
    const ins = db.prepare(
      'INSERT INTO jobs (idx, id, label, state, attempt, request_memory, request_cpus, outcome) VALUES (?, ?, ?, ?, ?, 100, 1, ?)',
    );
    ins.run(0, 'ok', 'a', 'succeeded', 2, 'succeeded'); // retried once, then succeeded
    ins.run(1, 'bad', 'a', 'failed', 3, 'failed'); // retried twice, then failed
    ins.run(2, 'lost', 'a', 'ready', 1, 'lost'); // re-queued after its worker was lost
    ins.run(3, 'new', 'a', 'pending', 0, null);
    const ev = db.prepare("INSERT INTO events (ts, kind, job_id, state, data) VALUES (1, 'job', ?, ?, ?)");
    ev.run('ok', 'ready', JSON.stringify({ retry: 'exited with code 1' }));
    ev.run('bad', 'ready', JSON.stringify({ retry: 'exited with code 1' }));
    ev.run('bad', 'ready', JSON.stringify({ retry: 'exceeded 100 MB' }));
    ev.run('bad', 'running', null);
    ev.run('lost', 'ready', 'not json');
    db.close();

    // readers of the old journal do without the column
    const r0 = openJournalReadOnly(dir);
    expect(r0.jobs()[0].failures).toBeUndefined();
    r0.close();

    const j = Journal.open(dir);
    const saved = j.loadJobs();
    expect([...saved.attempts]).toEqual([2, 3, 1, 0]);
    expect([...saved.failures]).toEqual([1, 3, 0, 0]);
    j.job(3, 'new', 'ready', { failures: 0 });
    j.close();
    const r = openJournalReadOnly(dir);
    expect(r.jobs().map((x) => x.failures)).toEqual([1, 3, 0, 0]);
    r.close();
    // opening again changes nothing
    const again = Journal.open(dir);
    expect([...again.loadJobs().failures]).toEqual([1, 3, 0, 0]);
    again.close();
  });
});
