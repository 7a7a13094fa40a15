/**
 * The run journal (writer side): SQLite in WAL mode, `<submitDir>/journal.sqlite3`. The manager
 * holding the lease is its only writer. Changes are buffered and committed in one transaction by
 * `flush()`; the engine flushes before it acts on a change (a dispatch is committed, then the job
 * is started), so a crash at any point leaves a journal that restore can trust.
 */
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { checkComplete } from '../qgraph/incomplete.js';
import { checkJournalFile, createJournalFile, journalError } from './journal-file.js';
import { JOB_COLUMN_MIGRATIONS, SCHEMA } from './journal-schema.js';
import { acquireLease, heartbeatLease, releaseLease, type LeaseOptions, type LeaseRow } from './lease.js';
import { stateCode, stateName, type JobState } from './states.js';

/** Columns of a job row that transitions may set. */
export interface JobFields {
  /** the dispatch number of the job's latest attempt */
  attempt?: number;
  /** the job's own failures so far (non-zero exits, memory kills, timeouts): what numberOfRetries bounds */
  failures?: number;
  memory_mb?: number;
  /** changed only by `restore --request-memory` */
  request_memory?: number;
  peak_memory?: number;
  worker_id?: string | null;
  node?: string | null;
  ready_at?: number | null;
  started_at?: number | null;
  ended_at?: number | null;
  exit_code?: number | null;
  signal?: string | null;
  outcome?: string | null;
  message?: string | null;
  log_path?: string | null;
}

export interface JobSeed {
  id: string;
  label: string;
  requestMemory: number;
  requestCpus: number;
}

/** What restore needs from the journal, by job index. */
export interface SavedJobs {
  ids: string[];
  states: Uint8Array;
  /** dispatches so far */
  attempts: Int32Array;
  /** the job's own failures so far */
  failures: Int32Array;
  memoryMB: Float64Array;
  peakMB: Float64Array;
}

type Op =
  | { kind: 'job'; idx: number; jobId: string; state: JobState; fields: JobFields; data?: unknown }
  | { kind: 'sql'; run: () => void };

export class Journal {
  readonly db: Database.Database;
  readonly lease: LeaseRow;
  readonly tookOverBecause?: string;
  private buffer: Op[] = [];
  private readonly stmts = new Map<string, Database.Statement>();
  private readonly insEvent: Database.Statement;

  private constructor(
    readonly submitDir: string,
    opts: LeaseOptions,
  ) {
    mkdirSync(submitDir, { recursive: true });
    this.db = new Database(createJournalFile(submitDir), { fileMustExist: true });
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode is durable against process crashes (what kill -9 tests), fast enough for thousands of commits/s
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.exec(SCHEMA);
    const { lease, tookOverBecause } = acquireLease(this.db, submitDir, opts);
    this.migrate(); // only the lease holder changes the schema
    this.lease = lease;
    this.tookOverBecause = tookOverBecause;
    this.insEvent = this.db.prepare(
      'INSERT INTO events (ts, kind, job_id, state, worker_id, data) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  /** Add the columns an older journal lacks (journal-schema.ts), in one transaction. */
  private migrate(): void {
    const have = new Set(
      (this.db.prepare('PRAGMA table_info(jobs)').all() as { name: string }[]).map((c) => c.name),
    );
    const todo = JOB_COLUMN_MIGRATIONS.filter((m) => !have.has(m.column));
    if (todo.length === 0) return;
    this.db.transaction(() => {
      for (const m of todo) for (const sql of m.sql) this.db.exec(sql);
    })();
  }

  /**
   * Open (creating if needed) the journal of `submitDir` and take its lease. A submit dir qgraph
   * did not finish, an empty or damaged journal, a read-only dir and a full disk are errors that
   * say what to do (QGRAPH_INCOMPLETE, JOURNAL_*, DISK_FULL: journal-file.ts).
   */
  static open(submitDir: string, opts: LeaseOptions = {}): Journal {
    checkComplete(submitDir);
    checkJournalFile(submitDir);
    try {
      return new Journal(submitDir, opts);
    } catch (e) {
      throw journalError(e, submitDir, 'write');
    }
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  jobCount(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n;
  }

  /** First run: one pending row per job, in one transaction. */
  seedJobs(jobs: JobSeed[]): void {
    const ins = this.db.prepare(
      "INSERT INTO jobs (idx, id, label, state, request_memory, request_cpus, memory_mb) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
    );
    this.db.transaction(() => {
      jobs.forEach((j, i) => ins.run(i, j.id, j.label, j.requestMemory, j.requestCpus, j.requestMemory));
    })();
  }

  loadJobs(): SavedJobs {
    const n = this.jobCount();
    const saved: SavedJobs = {
      ids: new Array<string>(n),
      states: new Uint8Array(n),
      attempts: new Int32Array(n),
      failures: new Int32Array(n),
      memoryMB: new Float64Array(n),
      peakMB: new Float64Array(n),
    };
    const rows = this.db
      .prepare('SELECT idx, id, state, attempt, failures, memory_mb, peak_memory FROM jobs')
      .raw()
      .iterate() as IterableIterator<
      [number, string, JobState, number, number, number | null, number | null]
    >;
    for (const [idx, id, state, attempt, failures, mem, peak] of rows) {
      saved.ids[idx] = id;
      saved.states[idx] = stateCode(state);
      saved.attempts[idx] = attempt;
      saved.failures[idx] = failures;
      saved.memoryMB[idx] = mem ?? 0;
      saved.peakMB[idx] = peak ?? 0;
    }
    return saved;
  }

  /** Buffer a job transition (committed by the next flush). */
  job(idx: number, jobId: string, state: JobState | number, fields: JobFields = {}, data?: unknown): void {
    const name = typeof state === 'number' ? stateName(state) : state;
    this.buffer.push({ kind: 'job', idx, jobId, state: name, fields, data });
  }

  /** Buffer an arbitrary write (worker rows, requests). */
  later(run: () => void): void {
    this.buffer.push({ kind: 'sql', run });
  }

  workerJoined(w: { id: string; node: string; memoryMB: number; cores: number }): void {
    const now = Date.now();
    this.later(() => {
      this.db
        .prepare(
          'INSERT OR REPLACE INTO workers (id, node, memory_mb, cores, joined_at, left_at, reason) VALUES (?, ?, ?, ?, ?, NULL, NULL)',
        )
        .run(w.id, w.node, w.memoryMB, w.cores, now);
      this.insEvent.run(
        now,
        'worker-join',
        null,
        null,
        w.id,
        JSON.stringify({ node: w.node, memoryMB: w.memoryMB, cores: w.cores }),
      );
    });
  }

  workerLeft(id: string, reason: string): void {
    const now = Date.now();
    this.later(() => {
      this.db.prepare('UPDATE workers SET left_at = ?, reason = ? WHERE id = ?').run(now, reason, id);
      this.insEvent.run(now, 'worker-leave', null, null, id, JSON.stringify({ reason }));
    });
  }

  /**
   * A dispatched job started on its worker (it may have waited in the worker's queue): its
   * `started_at`, if the row is still that attempt's, running and not started yet. Buffered, as
   * transitions are (the next flush commits it); no event row: the job's state did not change.
   */
  jobStarted(idx: number, attempt: number, at: number): void {
    this.later(() => {
      this.setStarted ??= this.db.prepare(
        "UPDATE jobs SET started_at = ? WHERE idx = ? AND attempt = ? AND state = 'running' AND started_at IS NULL",
      );
      this.setStarted.run(at, idx, attempt);
    });
  }

  private setStarted?: Database.Statement;

  runEvent(what: string, data: unknown): void {
    const now = Date.now();
    this.later(() => this.insEvent.run(now, 'run', null, what, null, JSON.stringify(data)));
  }

  get pending(): number {
    return this.buffer.length;
  }

  /** Commit everything buffered in one transaction. */
  flush(): void {
    if (this.buffer.length === 0) return;
    const ops = this.buffer;
    this.buffer = [];
    const now = Date.now();
    this.db.transaction(() => {
      for (const op of ops) {
        if (op.kind === 'sql') {
          op.run();
          continue;
        }
        this.update(op.idx, op.state, op.fields);
        // the attempt's own peak: the job row keeps only the highest over attempts (the dashboard charts it)
        const detail =
          op.fields.peak_memory === undefined
            ? op.data
            : { ...(op.data as object | undefined), peakMB: op.fields.peak_memory };
        const data = detail === undefined ? null : JSON.stringify(detail);
        this.insEvent.run(now, 'job', op.jobId, op.state, op.fields.worker_id ?? null, data);
      }
    })();
  }

  private update(idx: number, state: JobState, fields: JobFields): void {
    const keys = Object.keys(fields).sort() as (keyof JobFields)[];
    const sig = keys.join(',');
    let st = this.stmts.get(sig);
    if (!st) {
      const sets = keys.map((k) =>
        k === 'peak_memory' ? 'peak_memory = max(coalesce(peak_memory, 0), ?)' : `${k} = ?`,
      );
      st = this.db.prepare(`UPDATE jobs SET ${['state = ?', ...sets].join(', ')} WHERE idx = ?`);
      this.stmts.set(sig, st);
    }
    st.run(state, ...keys.map((k) => fields[k] ?? null), idx);
  }

  /** Refresh the lease; false means another manager took over and we must stop. */
  heartbeat(): boolean {
    return heartbeatLease(this.db, this.lease.token);
  }

  /** Unhandled cancel requests (written by `quanta cancel`); marks them handled. */
  takeCancelRequest(): boolean {
    const rows = this.db.prepare("SELECT id FROM requests WHERE kind = 'cancel' AND handled = 0").all() as {
      id: number;
    }[];
    if (rows.length === 0) return false;
    this.db.prepare("UPDATE requests SET handled = 1 WHERE kind = 'cancel' AND handled = 0").run();
    return true;
  }

  /** Flush, release the lease, close. */
  close(): void {
    if (!this.db.open) return;
    this.flush();
    releaseLease(this.db, this.lease.token);
    this.db.close();
  }
}
