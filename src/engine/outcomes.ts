/**
 * Applying job results to a run: success (directly, or after its outputs are verified and
 * registered), retry with more memory, failure with everything downstream blocked, re-queue of
 * lost or interrupted attempts. Only the job's own failures count against numberOfRetries
 * (RunState.countFailure); every attempt keeps its dispatch number. Every transition goes to the journal buffer; the caller flushes.
 */
import type { JobResult } from './executor.js';
import { verifyOutputs, type VerifiedOutput } from './outputs.js';
import { decideRetry } from './retry.js';
import type { RunContext } from './run-types.js';
import { CANCELLED, READY, RUNNING } from './states.js';

export function applyResults(ctx: RunContext, results: JobResult[]): void {
  const { state } = ctx;
  const { sched, wf, journal } = ctx.run;
  for (const r of results) {
    const j = ctx.run.index.get(r.id);
    if (j === undefined || sched.state[j] !== RUNNING || state.attempt(j) !== r.attempt) continue; // stale
    state.endAttempt(j);
    const fields = {
      started_at: r.startedAt,
      ended_at: r.endedAt,
      exit_code: r.exitCode,
      signal: r.signal,
      outcome: r.outcome,
      message: r.message ?? null,
      peak_memory: r.peakMemoryMB,
    };
    const job = wf.jobs[j];
    if (r.outcome === 'succeeded') {
      state.recordDuration(j, r.endedAt - r.startedAt);
      if (job.outputs?.length) state.awaitRegistration(j, r);
      else succeed(ctx, j, fields);
      continue;
    }
    if (r.outcome === 'lost' || (r.outcome === 'cancelled' && state.stoppingResumably)) {
      // not the job's fault: re-queued without a failure. The attempt keeps its number (the next
      // one gets a new number and its own log: a lost one may still run on a frozen node)
      sched.requeue(j);
      journal.job(j, job.id, sched.state[j], { ...fields, ready_at: Date.now() });
      continue;
    }
    if (r.outcome === 'cancelled') {
      sched.cancelRunning(j);
      journal.job(j, job.id, CANCELLED, fields);
      continue;
    }
    failAttempt(ctx, j, r.outcome, fields, r.message ?? r.outcome, true, r.exitCode);
  }
}

function failAttempt(
  ctx: RunContext,
  j: number,
  outcome: JobResult['outcome'],
  fields: Record<string, unknown>,
  why: string,
  retryable = true,
  /** the process's exit code, for retryUnlessExit (not given for failures after an exit 0) */
  exitCode: number | null = null,
): void {
  const { state } = ctx;
  const { sched, wf, journal } = ctx.run;
  const job = wf.jobs[j];
  const failures = state.countFailure(j);
  const d = decideRetry({
    outcome,
    exitCode,
    retryUnlessExit: job.retryUnlessExit ?? wf.retryUnlessExit,
    failures,
    numberOfRetries: job.numberOfRetries ?? wf.numberOfRetries,
    memoryMB: sched.memoryMB[j],
    memoryMultiplier: job.memoryMultiplier ?? wf.memoryMultiplier,
    maxWorkerMemoryMB: state.largestWorkerMemoryMB,
  });
  if (d.retry && retryable && !state.stopping) {
    sched.requeue(j, d.memoryMB);
    journal.job(
      j,
      job.id,
      sched.state[j],
      { ...fields, failures, memory_mb: d.memoryMB, ready_at: Date.now() },
      { retry: why, failures },
    );
    const attempt = state.attempt(j);
    ctx.log.warn({ job: job.id, attempt, failures, why, memoryMB: d.memoryMB }, 'retrying job');
    return;
  }
  const blocked = failAndBlock(ctx, j, { ...fields, failures });
  ctx.log.warn({ job: job.id, attempts: state.attempt(j), failures, why, blocked }, 'job failed');
}

/**
 * Fail job j for good and journal it, the jobs it blocks, and the run-always jobs that this made
 * ready; returns how many were blocked.
 */
export function failAndBlock(ctx: RunContext, j: number, fields: Record<string, unknown>): number {
  const { sched, wf, journal } = ctx.run;
  const id = wf.jobs[j].id;
  const { blocked, ready } = sched.fail(j);
  journal.job(j, id, 'failed', fields);
  for (const b of blocked) journal.job(b, wf.jobs[b].id, 'blocked', { message: `needs ${id}, which failed` });
  const now = Date.now();
  for (const k of ready) journal.job(k, wf.jobs[k].id, READY, { ready_at: now });
  return blocked.length;
}

function succeed(ctx: RunContext, j: number, fields: Record<string, unknown>): void {
  const { sched, wf, journal } = ctx.run;
  const now = Date.now();
  journal.job(j, wf.jobs[j].id, 'succeeded', fields);
  for (const k of sched.succeed(j)) journal.job(k, wf.jobs[k].id, READY, { ready_at: now });
}

/** Verify the outputs of jobs that exited 0 and register them in one batch; then succeed them. */
export async function registerOutputs(ctx: RunContext): Promise<void> {
  const batch = ctx.state.takeRegistrations();
  const { wf } = ctx.run;
  const ok: { job: number; result: JobResult; outputs: VerifiedOutput[] }[] = [];
  const checked = await Promise.all(
    batch.map((b) => verifyOutputs(wf.jobs[b.job], wf.butlerRoot, b.result.taskOutputs)),
  );
  batch.forEach((b, i) => {
    const fields = {
      started_at: b.result.startedAt,
      ended_at: b.result.endedAt,
      exit_code: b.result.exitCode,
      peak_memory: b.result.peakMemoryMB,
    };
    const c = checked[i];
    if (c.missing)
      failAttempt(
        ctx,
        b.job,
        'failed',
        { ...fields, outcome: 'failed', message: `missing output ${c.missing}` },
        `missing output ${c.missing}`,
      );
    else ok.push({ ...b, outputs: c.outputs });
  });
  if (ok.length && ctx.registrar) {
    try {
      await ctx.registrar.register(ok.flatMap((o) => o.outputs));
    } catch (e) {
      const msg = `registering outputs failed: ${(e as Error).message}`;
      for (const o of ok) {
        // not retried: rerunning the job cannot fix what the registry refused
        failAttempt(ctx, o.job, 'failed', { outcome: 'failed', message: msg }, msg, false);
      }
      return;
    }
  }
  for (const o of ok) {
    succeed(ctx, o.job, {
      started_at: o.result.startedAt,
      ended_at: o.result.endedAt,
      exit_code: 0,
      outcome: 'succeeded',
      message: null,
      peak_memory: o.result.peakMemoryMB,
    });
  }
}
