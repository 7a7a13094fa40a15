/**
 * The engine loop: one manager drives one run. Executor events are queued and handled in a
 * coalesced tick: results are applied (retry, fail + block, or verify + register outputs then
 * succeed), new dispatches are chosen, every transition is committed to the journal, and only
 * then are jobs started. See docs/engine.md.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { EngineError } from '../errors.js';
import { dispatchReady } from './dispatcher.js';
import type { Executor, JobResult, WorkerInfo } from './executor.js';
import { emptyCounts } from './journal-read.js';
import { applyResults, registerOutputs } from './outcomes.js';
import { openRegistrar } from './outputs.js';
import { unselectedInputs } from './restore-plan.js';
import { openRun } from './run-setup.js';
import { RunState, type Stop } from './run-state.js';
import type { ProgressSnapshot, RunContext, RunOptions, RunStatus, RunSummary } from './run-types.js';
import { CANCELLED, JOB_STATES, READY, RUNNING } from './states.js';

export type { ProgressSnapshot, RunOptions, RunStatus, RunSummary } from './run-types.js';

/** How late a job's start may reach the journal (see flushSoon). */
const STARTS_FLUSH_MS = 100;

export class RunHandle {
  readonly done: Promise<RunSummary>;
  private resolve!: (s: RunSummary) => void;
  private reject!: (e: unknown) => void;
  private ctx!: RunContext;
  private executor!: Executor;
  private results: JobResult[] = [];
  private finished = false;
  private ticking = false;
  private again = false;
  private scheduled = false;
  private timers: NodeJS.Timeout[] = [];
  private flushTimer?: NodeJS.Timeout;
  private readonly t0 = Date.now();

  constructor(private readonly opts: RunOptions) {
    this.done = new Promise((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
  }

  /** Open the journal (taking the lease: user errors are thrown here) and start the executor. */
  async start(): Promise<void> {
    const o = this.opts;
    mkdirSync(join(o.submitDir, 'logs'), { recursive: true, mode: 0o700 });
    const log = pino(
      { base: { pid: process.pid } },
      pino.destination({ dest: join(o.submitDir, 'logs', 'manager.log'), sync: true }),
    );
    const run = openRun(o);
    const { journal, runId, wf, sched } = run;
    if (journal.tookOverBecause) log.warn({ because: journal.tookOverBecause }, 'took over the lease');
    log.info({ jobs: wf.jobs.length, restored: run.restored, restore: run.restore }, 'run opened');
    let registrar;
    try {
      registrar = await openRegistrar(wf, o.submitDir);
    } catch (e) {
      journal.close();
      throw e;
    }
    const saved = { attempts: run.savedAttempts, failures: run.savedFailures };
    const state = new RunState(run.sched, saved, run.labelOf, run.labels.length);
    this.ctx = { opts: o, run, log, registrar, state };
    this.executor =
      typeof o.executor === 'function' ? o.executor({ runId, submitDir: o.submitDir }) : o.executor;
    this.timers.push(setInterval(() => this.housekeeping(), 1000));
    if (o.onProgress)
      this.timers.push(setInterval(() => o.onProgress?.(this.progress()), o.progressIntervalMs ?? 500));
    if (o.deadline) {
      const stopAt = o.deadline - (o.deadlineMarginSec ?? 60) * 1000;
      this.timers.push(setTimeout(() => this.stop('deadline'), Math.max(0, stopAt - Date.now())));
    }
    await this.executor.start({
      workerJoined: (w) => this.workerJoined(w),
      workerLost: (id, reason) => {
        this.ctx.state.removeWorker(id);
        journal.workerLeft(id, reason);
        this.kick();
      },
      jobStarted: (id, _workerId, at) => {
        const j = this.ctx.run.index.get(id);
        if (j === undefined || sched.state[j] !== RUNNING) return;
        this.ctx.state.markStarted(j);
        journal.jobStarted(j, this.ctx.state.attempt(j), at);
        this.flushSoon();
      },
      jobFinished: (r) => {
        this.results.push(r);
        this.kick();
      },
    });
    this.kick();
  }

  /** Cancel: pending and ready jobs become cancelled, running ones are killed. */
  cancel(): void {
    this.stop('cancel');
  }

  /** SIGTERM/SIGINT: cancel when `quanta cancel` asked for it, otherwise stop resumably. */
  signal(): void {
    let cancel = false;
    try {
      cancel = this.ctx.run.journal.takeCancelRequest();
    } catch {
      // the journal is busy or closed: treat as an interrupt
    }
    this.stop(cancel ? 'cancel' : 'interrupt');
  }

  /** Stop cleanly, leaving unfinished jobs ready for a restore. */
  interrupt(): void {
    this.stop('interrupt');
  }

  progress(): ProgressSnapshot {
    const { sched, labels, labelOf } = this.ctx.run;
    const per = labels.map(() => [0, 0, 0, 0, 0, 0, 0]);
    const { state } = this.ctx;
    for (let i = 0; i < sched.n; i++) {
      const s = sched.state[i];
      // dispatched and held queued by its worker (prefetch): ready until it starts
      per[labelOf[i]][s === RUNNING && !state.hasStarted(i) ? READY : s]++;
    }
    const totals = { ...emptyCounts(), total: sched.n };
    const out = labels.map((label, li) => {
      const counts = emptyCounts();
      let total = 0;
      per[li].forEach((c, s) => {
        counts[JOB_STATES[s]] = c;
        totals[JOB_STATES[s]] += c;
        total += c;
      });
      return { label, counts, total };
    });
    return { labels: out, totals, elapsedMs: Date.now() - this.t0 };
  }

  private workerJoined(w: WorkerInfo): void {
    this.ctx.state.addWorker(w);
    this.ctx.run.journal.workerJoined(w);
    this.ctx.log.info({ worker: w }, 'worker joined');
    this.kick();
  }

  private stop(why: Stop): void {
    const ctx = this.ctx;
    if (!ctx || this.finished || !ctx.state.beginStop(why)) return;
    const { sched, journal, wf } = ctx.run;
    ctx.log.info({ why }, 'stopping');
    journal.runEvent('stop', { why });
    if (why === 'cancel') {
      for (const j of sched.cancelWaiting())
        journal.job(j, wf.jobs[j].id, CANCELLED, { message: 'cancelled on request' });
    }
    journal.flush();
    for (const j of ctx.state.runningJobs()) this.executor.kill(wf.jobs[j].id);
    this.kick();
  }

  private housekeeping(): void {
    if (this.finished) return;
    const { journal } = this.ctx.run;
    try {
      if (!journal.heartbeat()) {
        this.abort(
          new EngineError(
            'LEASE_LOST',
            `another manager took over ${this.opts.submitDir} (--force); this one stops`,
          ),
        );
        return;
      }
      if (journal.takeCancelRequest()) this.stop('cancel');
    } catch (e) {
      this.ctx.log.warn({ err: (e as Error).message }, 'housekeeping failed');
    }
  }

  /**
   * Commit what is buffered (jobs' start times) within STARTS_FLUSH_MS unless a tick does it
   * first: status and the dashboard count a job running once its start is in the journal, and a
   * tick per start would cost a transaction per job.
   */
  private flushSoon(): void {
    if (this.flushTimer || this.finished) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.ticking || this.finished) return; // the tick's own flush commits them
      try {
        this.ctx.run.journal.flush();
      } catch (e) {
        this.abort(e);
      }
    }, STARTS_FLUSH_MS);
  }

  private kick(): void {
    if (this.scheduled || this.finished) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.tick();
    });
  }

  private async tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    try {
      const results = this.results;
      this.results = [];
      const { ctx } = this;
      applyResults(ctx, results);
      if (ctx.state.registrationsPending) await registerOutputs(ctx);
      if (!ctx.state.stopping) dispatchReady(ctx, this.executor);
      ctx.run.journal.flush();
      await this.maybeFinish();
    } catch (e) {
      this.abort(e);
    } finally {
      this.ticking = false;
      if (this.again && !this.finished) {
        this.again = false;
        this.kick();
      }
    }
  }

  private async maybeFinish(): Promise<void> {
    const { state } = this.ctx;
    const { sched } = this.ctx.run;
    if (this.results.length || state.registrationsPending || sched.runningCount > 0) return;
    const anyBad = () => sched.anyUnsuccessful();
    const stopping = state.stopping;
    let status: RunStatus | undefined;
    if (stopping === 'cancel') status = 'cancelled';
    else if (stopping) status = stopping === 'deadline' ? 'deadline' : 'interrupted';
    else if (sched.readyCount === 0) status = anyBad() ? 'failed' : 'succeeded';
    else if (this.opts.deadline && state.workers.length > 0) status = 'deadline'; // only jobs that cannot finish in time remain
    if (!status) return;
    if ((status === 'deadline' || status === 'interrupted') && sched.readyCount === 0)
      status = anyBad() ? 'failed' : 'succeeded';
    await this.finish(status);
  }

  private async finish(status: RunStatus): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    for (const t of this.timers) clearInterval(t);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.executor.shutdown();
    await this.ctx.registrar?.close();
    const progress = this.progress();
    this.opts.onProgress?.(progress);
    const unselected = this.unselected();
    // nothing failed, yet jobs of the selection could not run: their inputs are not made
    if (status === 'succeeded' && unselected) status = 'incomplete';
    this.ctx.run.journal.runEvent('end', { status, ...(unselected ? { unselected } : {}) });
    this.ctx.run.journal.close();
    this.ctx.log.info({ status, totals: progress.totals }, 'run finished');
    this.resolve({
      status,
      submitDir: this.opts.submitDir,
      runId: this.ctx.run.runId,
      totals: progress.totals,
      elapsedMs: progress.elapsedMs,
      ...(unselected ? { unselected } : {}),
    });
  }

  /** `--labels` jobs left waiting for unfinished jobs of labels not selected (restore-plan.ts). */
  private unselected(): { jobs: number; labels: string[] } | undefined {
    const { sched, wf, index, labelOf, labels, restore } = this.ctx.run;
    if (!restore['needs-unselected']) return undefined;
    const needs = wf.jobs.map((j) => j.needs.map((id) => index.get(id) as number));
    const u = unselectedInputs(needs, sched.state, sched.eligible, labelOf, labels);
    return u.jobs ? { jobs: u.jobs, labels: u.labels } : undefined;
  }

  private abort(e: unknown): void {
    if (this.finished) return;
    this.finished = true;
    for (const t of this.timers) clearInterval(t);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.ctx.log.error({ err: (e as Error).message }, 'run aborted');
    void this.executor.shutdown().finally(() => {
      try {
        if (!(e instanceof EngineError && e.code === 'LEASE_LOST')) this.ctx.run.journal.close();
      } catch {
        // closing is best effort here
      }
      this.reject(e);
    });
  }
}

/** Start a run and return its handle (cancel/interrupt/progress). */
export async function startRun(opts: RunOptions): Promise<RunHandle> {
  const h = new RunHandle(opts);
  await h.start();
  return h;
}

/** Run (or restore) a workflow to the end. */
export async function runWorkflow(opts: RunOptions): Promise<RunSummary> {
  const h = await startRun(opts);
  return h.done;
}
