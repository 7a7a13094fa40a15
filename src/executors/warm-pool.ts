/**
 * A pool of warm task worker processes: one per concurrently running task job, reused across
 * quanta so that a task module is imported once per process rather than once per quantum.
 * A worker that crashes, or is killed (memory, timeout, cancel), is dropped and replaced on demand.
 * A quantum may also be queued on the process that runs another one (`runAfter`): the process
 * starts it as soon as the one before ends, so no slot waits for a round trip through this
 * process. Requests queued on a process during one event-loop turn go out in one IPC message, and
 * the process answers in one message per turn (warm-protocol.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import type { TaskOutput } from '../engine/executor.js';
import { siblingEntry } from './entry-point.js';
import { renewEveryMs } from './parent-lease.js';
import { killGroup } from './process-group.js';
import type { WarmEvent, WarmMessage, WarmReply, WarmRequest } from './warm-protocol.js';

/** How one quantum ended inside a warm worker. */
export interface WarmOutcome {
  ok: boolean;
  /** set when the worker process died during the quantum */
  exitCode: number | null;
  signal: string | null;
  message?: string;
  /** the process killed itself and the quantum because the lease lapsed (setLease) */
  fenced?: boolean;
  /** the quantum never started: dropped (`drop`), or its process died before it got to it */
  notStarted?: 'dropped' | 'process-exited';
  /** a quantum that succeeded: what it wrote (warm-worker.ts writes no result file) */
  outputs?: TaskOutput[];
}

interface Entry {
  req: WarmRequest;
  onStart: (pid: number) => void;
  resolve: (o: WarmOutcome) => void;
  fenced?: string;
}

interface WarmProcess {
  child: ChildProcess;
  ready: Promise<void>;
  /** the quantum running (as far as this process has heard) */
  current?: Entry;
  /** quanta sent or to be sent, not started yet, in order */
  queue: Entry[];
  /** requests not sent yet (flushed once per event-loop turn) */
  outbox: WarmRequest[];
  /** quanta dropped while queued: if the worker started one anyway, the process is killed */
  dropped: Set<string>;
  /** killed by the pool (a dropped quantum had started): what it ran or held was not at fault */
  doomed?: boolean;
  dead: boolean;
}

/** Counts for tests and benches: IPC messages sent to warm processes, and quanta in them. */
export interface WarmPoolStats {
  messages: number;
  quanta: number;
}

export class WarmPool {
  private idle: WarmProcess[] = [];
  private all = new Set<WarmProcess>();
  /** job id -> the process it runs or waits in */
  private readonly where = new Map<string, WarmProcess>();
  private leaseMs = 0;
  private renewTimer?: NodeJS.Timeout;
  readonly stats: WarmPoolStats = { messages: 0, quanta: 0 };

  constructor(private readonly env: Record<string, string> = {}) {}

  /** As SpawnerPool.setLease: a warm process whose parent falls silent for `ms` kills its quantum. */
  setLease(ms: number): void {
    this.leaseMs = ms > 0 ? ms : 0;
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    for (const wp of this.all) this.sendLease(wp);
    if (!this.leaseMs) return;
    this.renewTimer = setInterval(() => {
      for (const wp of this.all) this.sendLease(wp);
    }, renewEveryMs(this.leaseMs));
    this.renewTimer.unref();
  }

  private sendLease(wp: WarmProcess): void {
    if (!wp.dead && wp.child.connected)
      wp.child.send({ type: 'lease', ms: this.leaseMs } satisfies WarmMessage);
  }

  private spawn(): WarmProcess {
    const { file, execArgv } = siblingEntry(import.meta.url, 'warm-worker');
    const child = fork(file, [], {
      detached: true, // own process group: kill(-pid) reaches anything the task starts
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv,
      env: { ...process.env, ...this.env, QUANTA_WARM_WORKER: '1' },
    });
    const wp: WarmProcess = {
      child,
      dead: false,
      ready: Promise.resolve(),
      queue: [],
      outbox: [],
      dropped: new Set(),
    };
    wp.ready = new Promise<void>((resolve) => {
      const onMsg = (m: WarmReply) => {
        if (m.type === 'ready') {
          child.off('message', onMsg);
          resolve();
        }
      };
      child.on('message', onMsg);
      child.once('exit', () => resolve());
    });
    // output that escaped the worker's redirection (e.g. a fatal V8 error) goes to the current job's log
    const spill = (chunk: Buffer) => {
      if (!wp.current) return;
      try {
        appendFileSync(wp.current.req.logPath, chunk, { mode: 0o600 });
      } catch {
        // no log to be had (a full or vanished disk): the quantum's end is reported all the same
      }
    };
    child.stdout?.on('data', spill);
    child.stderr?.on('data', spill);
    child.on('message', (m: WarmReply) => {
      if (m.type === 'fenced' && wp.current && wp.current.req.jobId === m.jobId) {
        wp.current.fenced = m.message;
        return;
      }
      if (m.type === 'events') for (const e of m.events) this.onEvent(wp, e);
    });
    child.on('exit', (code, signal) => {
      wp.dead = true;
      this.all.delete(wp);
      this.idle = this.idle.filter((w) => w !== wp);
      const cur = wp.current;
      wp.current = undefined;
      if (cur && wp.doomed)
        wp.queue.unshift(cur); // ends as the queued ones do: not its fault
      else if (cur) {
        this.where.delete(cur.req.jobId);
        cur.resolve({
          ok: false,
          exitCode: code,
          signal,
          message: cur.fenced ?? `warm task worker exited (${signal ?? `code ${code}`}) during the quantum`,
          ...(cur.fenced ? { fenced: true } : {}),
        });
      }
      const waiting = wp.queue;
      wp.queue = [];
      for (const e of waiting) {
        this.where.delete(e.req.jobId);
        e.resolve({
          ok: false,
          exitCode: null,
          signal: null,
          message: wp.doomed
            ? 'warm task worker killed: a quantum cancelled before it started had started in it'
            : `warm task worker exited (${signal ?? `code ${code}`}) before the quantum started`,
          notStarted: 'process-exited',
        });
      }
    });
    child.on('error', () => undefined); // 'exit' follows and reports
    this.all.add(wp);
    if (this.leaseMs) this.sendLease(wp);
    return wp;
  }

  private onEvent(wp: WarmProcess, e: WarmEvent): void {
    if (wp.doomed) return; // it is being killed: its exit settles everything it held
    if (e.kind === 'dropped') {
      wp.dropped.delete(e.jobId);
      this.maybeIdle(wp);
      return;
    }
    if (e.kind === 'start') {
      if (wp.dropped.delete(e.jobId)) {
        // it started before our drop arrived: it was reported cancelled, so it must not run
        wp.doomed = true;
        killGroup(wp.child.pid as number);
        return;
      }
      if (wp.current?.req.jobId === e.jobId) return; // started on sending (an idle process)
      const i = wp.queue.findIndex((q) => q.req.jobId === e.jobId);
      if (i < 0) return;
      const [entry] = wp.queue.splice(i, 1);
      wp.current = entry;
      entry.onStart(wp.child.pid as number);
      return;
    }
    if (wp.current?.req.jobId !== e.jobId) return;
    const cur = wp.current;
    wp.current = undefined;
    this.where.delete(e.jobId);
    this.maybeIdle(wp);
    cur.resolve({ ok: e.ok, exitCode: null, signal: null, message: e.message, outputs: e.outputs });
  }

  /** A process with nothing running, queued or possibly starting (a drop in flight) is idle. */
  private maybeIdle(wp: WarmProcess): void {
    if (wp.dead || wp.current || wp.queue.length || wp.dropped.size || this.idle.includes(wp)) return;
    this.idle.push(wp);
  }

  /** Queue `req` to go out with the other requests of this turn. */
  private post(wp: WarmProcess, req: WarmRequest): void {
    wp.outbox.push(req);
    if (wp.outbox.length > 1) return;
    const send = () => {
      const runs = wp.outbox;
      wp.outbox = [];
      if (wp.dead || !wp.child.connected || runs.length === 0) return;
      this.stats.messages++;
      this.stats.quanta += runs.length;
      wp.child.send({ type: 'runs', runs } satisfies WarmMessage);
    };
    // after the worker is ready (it has its message handler), and after this turn's other requests
    void wp.ready.then(() => setImmediate(send));
  }

  /**
   * Run one quantum in an idle (or new) warm process. `onStart` receives the process id to
   * sample memory from and kill; the promise settles when the quantum ends or the process dies.
   */
  run(req: WarmRequest, onStart: (pid: number) => void): Promise<WarmOutcome> {
    let wp = this.idle.pop();
    while (wp && (wp.dead || wp.current || wp.queue.length)) wp = this.idle.pop();
    const target = wp ?? this.spawn();
    // registered now, before the process is ready: quanta may be queued behind this one at once
    return new Promise<WarmOutcome>((resolve) => {
      const entry: Entry = { req, onStart, resolve };
      target.current = entry;
      this.where.set(req.jobId, target);
      this.post(target, req);
      void target.ready.then(() => {
        if (target.current === entry && !target.dead) onStart(target.child.pid as number);
      });
    });
  }

  /**
   * Queue `req` on the process that runs (or holds queued) `afterJobId`: it starts when the
   * quanta before it there have ended; `onStart` is called when this process hears it started.
   * Undefined when no live process holds `afterJobId` (it ended, or its process died).
   */
  runAfter(
    afterJobId: string,
    req: WarmRequest,
    onStart: (pid: number) => void,
  ): Promise<WarmOutcome> | undefined {
    const wp = this.where.get(afterJobId);
    if (!wp || wp.dead || (!wp.current && wp.queue.length === 0)) return undefined;
    return new Promise<WarmOutcome>((resolve) => {
      wp.queue.push({ req, onStart, resolve });
      this.where.set(req.jobId, wp);
      this.post(wp, req);
    });
  }

  /** Quanta queued on `afterJobId`'s process and not started (0 when none holds it). */
  queuedAfter(afterJobId: string): number {
    return this.where.get(afterJobId)?.queue.length ?? 0;
  }

  /**
   * Take a quantum that waits in a process out of its queue: it settles now with `notStarted:
   * 'dropped'`. False when it is not waiting (it runs, or is unknown).
   */
  drop(jobId: string): boolean {
    const wp = this.where.get(jobId);
    if (!wp) return false;
    const i = wp.queue.findIndex((q) => q.req.jobId === jobId);
    if (i < 0) return false;
    const [entry] = wp.queue.splice(i, 1);
    this.where.delete(jobId);
    const unsent = wp.outbox.findIndex((r) => r.jobId === jobId);
    if (unsent >= 0) wp.outbox.splice(unsent, 1);
    else if (!wp.dead && wp.child.connected) {
      wp.dropped.add(jobId);
      wp.child.send({ type: 'drop', jobId } satisfies WarmMessage);
    }
    this.maybeIdle(wp);
    entry.resolve({
      ok: false,
      exitCode: null,
      signal: null,
      message: 'cancelled before it started',
      notStarted: 'dropped',
    });
    return true;
  }

  /** Stop every warm process (and whatever their tasks started). */
  async shutdown(): Promise<void> {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    const waits: Promise<void>[] = [];
    for (const wp of this.all) {
      if (wp.child.exitCode !== null || wp.child.signalCode !== null) continue;
      waits.push(new Promise<void>((r) => wp.child.once('exit', () => r())));
      killGroup(wp.child.pid as number);
    }
    await Promise.all(waits);
    this.idle = [];
  }
}
