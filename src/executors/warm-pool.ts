/**
 * A pool of warm task worker processes: one per concurrently running task job, reused across
 * quanta so that a task module is imported once per process rather than once per quantum.
 * A worker that crashes, or is killed (memory, timeout, cancel), is dropped and replaced on demand.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { siblingEntry } from './entry-point.js';
import { renewEveryMs } from './parent-lease.js';
import { killGroup } from './process-group.js';
import type { WarmMessage, WarmReply, WarmRequest } from './warm-protocol.js';

/** How one quantum ended inside a warm worker. */
export interface WarmOutcome {
  ok: boolean;
  /** set when the worker process died during the quantum */
  exitCode: number | null;
  signal: string | null;
  message?: string;
  /** the process killed itself and the quantum because the lease lapsed (setLease) */
  fenced?: boolean;
}

interface WarmProcess {
  child: ChildProcess;
  ready: Promise<void>;
  current?: { jobId: string; logPath: string; resolve: (o: WarmOutcome) => void; fenced?: string };
  dead: boolean;
}

export class WarmPool {
  private idle: WarmProcess[] = [];
  private all = new Set<WarmProcess>();
  private leaseMs = 0;
  private renewTimer?: NodeJS.Timeout;

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
    const wp: WarmProcess = { child, dead: false, ready: Promise.resolve() };
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
      if (wp.current) appendFileSync(wp.current.logPath, chunk);
    };
    child.stdout?.on('data', spill);
    child.stderr?.on('data', spill);
    child.on('message', (m: WarmReply) => {
      if (m.type === 'fenced' && wp.current && wp.current.jobId === m.jobId) {
        wp.current.fenced = m.message;
        return;
      }
      if (m.type === 'done' && wp.current && wp.current.jobId === m.jobId) {
        const cur = wp.current;
        wp.current = undefined;
        if (!wp.dead) this.idle.push(wp);
        cur.resolve({ ok: m.ok, exitCode: null, signal: null, message: m.message });
      }
    });
    child.on('exit', (code, signal) => {
      wp.dead = true;
      this.all.delete(wp);
      this.idle = this.idle.filter((w) => w !== wp);
      const cur = wp.current;
      wp.current = undefined;
      cur?.resolve({
        ok: false,
        exitCode: code,
        signal,
        message: cur.fenced ?? `warm task worker exited (${signal ?? `code ${code}`}) during the quantum`,
        ...(cur.fenced ? { fenced: true } : {}),
      });
    });
    child.on('error', () => undefined); // 'exit' follows and reports
    this.all.add(wp);
    if (this.leaseMs) this.sendLease(wp);
    return wp;
  }

  /**
   * Run one quantum in an idle (or new) warm process. `onStart` receives the process id to
   * sample memory from and kill; the promise settles when the quantum ends or the process dies.
   */
  async run(req: WarmRequest, onStart: (pid: number) => void): Promise<WarmOutcome> {
    let wp = this.idle.pop();
    while (wp && wp.dead) wp = this.idle.pop();
    if (!wp) wp = this.spawn();
    await wp.ready;
    if (wp.dead || wp.child.pid === undefined) {
      return { ok: false, exitCode: null, signal: null, message: 'warm task worker failed to start' };
    }
    const target = wp;
    return new Promise<WarmOutcome>((resolve) => {
      target.current = { jobId: req.jobId, logPath: req.logPath, resolve };
      onStart(target.child.pid as number);
      target.child.send(req);
    });
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
