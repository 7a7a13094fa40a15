/**
 * The job runner's spawner processes (see spawner-process.ts): command jobs are handed to the
 * one with the fewest jobs in flight. A spawner that dies takes its running jobs with it: their
 * process groups are killed and they fail with a message (the engine retries them); the next job
 * starts a fresh spawner. The spawners are Node.js (spawner-process.ts) or Python
 * (python/quanta_spawn/) processes, which speak the same protocol (spawner-choice.ts picks).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { siblingEntry } from './entry-point.js';
import { renewEveryMs } from './parent-lease.js';
import { killGroup } from './process-group.js';
import type { SpawnerReply, SpawnerRequest } from './spawn-protocol.js';
import { chooseSpawner, PYTHON_FLAGS, PYTHON_SPAWNER, type SpawnerKind } from './spawner-choice.js';

/** How a command job ended. */
export interface CommandEnded {
  exitCode: number | null;
  signal: string | null;
  message?: string;
  /** killed by its spawner because the lease lapsed (setLease) */
  fenced?: boolean;
  /** the spawner process died while the job ran, killed by this signal */
  spawnerSignal?: string;
}

export interface CommandStart {
  argv: string[];
  env: Record<string, string>;
  cwd?: string;
  logPath: string;
}

interface InFlight {
  resolve: (e: CommandEnded) => void;
  onStart: (pid: number) => void;
  pid?: number;
}

interface Spawner {
  child: ChildProcess;
  jobs: Map<number, InFlight>;
  dead: boolean;
}

export class SpawnerPool {
  private spawners: Spawner[] = [];
  private nextKey = 1;
  private leaseMs = 0;
  private renewTimer?: NodeJS.Timeout;
  /** which spawner processes this pool starts (spawner-choice.ts) */
  readonly kind: SpawnerKind;
  private readonly python?: string;

  /**
   * @param size how many spawner processes fork in parallel (less than 1 counts as 1)
   * @param env added to every job's environment
   * @param spawner python or node; default: QUANTA_SPAWNER, else spawner-choice.ts's default
   */
  constructor(
    private readonly size: number,
    private readonly env: Record<string, string>,
    spawner?: SpawnerKind,
  ) {
    const c = chooseSpawner(spawner);
    this.kind = c.kind;
    if (c.kind === 'python') this.python = c.python;
  }

  /** Start a command; `onStart` gets its process id (a group leader). Settles when it ends. */
  run(req: CommandStart, onStart: (pid: number) => void): Promise<CommandEnded> {
    const sp = this.pick();
    const key = this.nextKey++;
    return new Promise<CommandEnded>((resolve) => {
      sp.jobs.set(key, { resolve, onStart });
      if (sp.jobs.size === 1) this.hold(sp, true);
      const msg: SpawnerRequest = { type: 'spawn', key, ...req };
      sp.child.send(msg);
    });
  }

  /**
   * From now on every spawner kills its jobs when this process has not spoken to it for `ms`
   * (parent-lease.ts); a timer here renews the lease. 0 turns it off.
   */
  setLease(ms: number): void {
    this.leaseMs = ms > 0 ? ms : 0;
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    this.renew();
    if (!this.leaseMs) return;
    this.renewTimer = setInterval(() => this.renew(), renewEveryMs(this.leaseMs));
    this.renewTimer.unref();
  }

  private renew(): void {
    const msg: SpawnerRequest = { type: 'lease', ms: this.leaseMs };
    for (const sp of this.spawners) if (!sp.dead && sp.child.connected) sp.child.send(msg);
  }

  /** Stop every spawner; jobs still in flight settle as failed (their groups are killed). */
  async shutdown(): Promise<void> {
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
    const all = this.spawners;
    this.spawners = [];
    await Promise.all(
      all.map(
        (sp) =>
          new Promise<void>((done) => {
            if (sp.dead) return done();
            sp.child.once('exit', () => done());
            sp.child.ref(); // an idle spawner is unref'd: wait for it to go
            if (sp.child.connected) sp.child.disconnect();
            else sp.child.kill('SIGKILL');
          }),
      ),
    );
  }

  private pick(): Spawner {
    this.spawners = this.spawners.filter((s) => !s.dead);
    let best: Spawner | undefined;
    for (const s of this.spawners) if (!best || s.jobs.size < best.jobs.size) best = s;
    if (best && (best.jobs.size === 0 || this.spawners.length >= this.size)) return best;
    const fresh = this.launch();
    this.spawners.push(fresh);
    return fresh;
  }

  private fork(): ChildProcess {
    const common = {
      // its own process group: a terminal's Ctrl-C reaches the manager, which stops the jobs itself
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'] as ('ignore' | 'inherit' | 'ipc')[],
    };
    if (this.python) {
      // Node.js's own IPC channel to a non-Node child: NODE_CHANNEL_FD, one JSON text a line
      return fork(PYTHON_SPAWNER, [], {
        ...common,
        execPath: this.python,
        execArgv: PYTHON_FLAGS,
        serialization: 'json',
      });
    }
    const { file, execArgv } = siblingEntry(import.meta.url, 'spawner-process');
    return fork(file, [], { ...common, execArgv });
  }

  private launch(): Spawner {
    const child = this.fork();
    const sp: Spawner = { child, jobs: new Map(), dead: false };
    const init: SpawnerRequest = { type: 'init', env: this.env };
    child.send(init);
    if (this.leaseMs) child.send({ type: 'lease', ms: this.leaseMs } satisfies SpawnerRequest);
    child.on('message', (m: SpawnerReply) => {
      const job = sp.jobs.get(m.key);
      if (!job) return;
      if (m.type === 'started') {
        job.pid = m.pid;
        job.onStart(m.pid);
        return;
      }
      sp.jobs.delete(m.key);
      if (sp.jobs.size === 0) this.hold(sp, false);
      job.resolve({
        exitCode: m.exitCode,
        signal: m.signal,
        ...(m.message ? { message: m.message } : {}),
        ...(m.fenced ? { fenced: true } : {}),
      });
    });
    child.on('error', () => undefined); // 'exit' follows and reports
    child.once('exit', (code, signal) => {
      sp.dead = true;
      const how = signal ?? `code ${code}`;
      for (const job of sp.jobs.values()) {
        // nobody is left to learn how it ends: stop it, and fail it so that it is retried
        if (job.pid !== undefined) killGroup(job.pid);
        job.resolve({
          exitCode: null,
          signal: null,
          // shutdown() takes its spawners out of the list before they go
          message: !this.spawners.includes(sp)
            ? 'killed: the job runner shut down'
            : `quanta's spawner process exited (${how}) while the job ran`,
          ...(signal ? { spawnerSignal: signal } : {}),
        });
      }
      sp.jobs.clear();
    });
    this.hold(sp, false);
    return sp;
  }

  /** An idle spawner must not keep the manager's event loop alive; a busy one does. */
  private hold(sp: Spawner, busy: boolean): void {
    if (busy) {
      sp.child.ref();
      sp.child.channel?.ref();
    } else {
      sp.child.unref();
      sp.child.channel?.unref();
    }
  }
}
