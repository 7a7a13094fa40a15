/**
 * Wall-time handoff: the run's batch script again, with `--dependency=afterany:<this job>`, so the
 * next allocation restores the run with nobody at the keyboard. quanta's own batch script queues
 * it as soon as the run starts in an allocation (`ensureSuccessor`), so that it is there however
 * the allocation ends (wall time, a node down, every process killed), and cancels it when the run
 * ends here (`cancelSuccessor`); a run started otherwise submits it when its wall time runs out.
 * Every submission is recorded in `<submitDir>/slurm-jobs.json`; the number of successors is
 * bounded by `max_resubmissions` so a run that cannot progress (a job longer than the wall time,
 * say) does not resubmit forever. A successor cancelled because the run ended does not count.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { runSlurmCommand, showJob } from './commands.js';
import type { SlurmCommandOptions } from './commands.js';
import { sbatchScriptPath, submitSbatch, writeScript } from './sbatch.js';
import type { BatchRequest } from './sbatch.js';

const recordSchema = z.object({
  maxResubmissions: z.number().int().nonnegative().optional(),
  jobs: z.array(
    z.object({
      jobId: z.string(),
      kind: z.enum(['initial', 'successor']),
      submittedAt: z.string(),
      after: z.string().optional(),
      /** cancelled by quanta because the run ended before its allocation did */
      cancelledAt: z.string().optional(),
    }),
  ),
});
export type SlurmJobsRecord = z.infer<typeof recordSchema>;

export function jobsRecordPath(submitDir: string): string {
  return join(submitDir, 'slurm-jobs.json');
}

export function readJobsRecord(submitDir: string): SlurmJobsRecord {
  const path = jobsRecordPath(submitDir);
  if (!existsSync(path)) return { jobs: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return { jobs: [] }; // torn or hand-edited: treated as no record (the queue still has the jobs)
  }
  const parsed = recordSchema.safeParse(raw);
  return parsed.success ? parsed.data : { jobs: [] };
}

function writeJobsRecord(submitDir: string, rec: SlurmJobsRecord): void {
  const path = jobsRecordPath(submitDir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(rec, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function recordSubmission(
  submitDir: string,
  entry: { jobId: string; kind: 'initial' | 'successor'; after?: string },
  maxResubmissions?: number,
): void {
  const rec = readJobsRecord(submitDir);
  if (maxResubmissions !== undefined) rec.maxResubmissions = maxResubmissions;
  rec.jobs.push({ ...entry, submittedAt: new Date().toISOString() });
  writeJobsRecord(submitDir, rec);
}

/** A batch request that repeats the running job's shape (for runs started by a hand-written script). */
export function requestFromJob(info: Record<string, string>): BatchRequest {
  const opt = (v: string | undefined) => (v && v !== '(null)' && v !== 'N/A' ? v : undefined);
  const limit = opt(info.TimeLimit);
  return {
    jobName: info.JobName ?? 'quanta',
    nodes: Number(info.NumNodes?.split('-')[0]) || 1,
    ...(limit && limit !== 'UNLIMITED' ? { time: limit } : {}),
    ...(opt(info.Partition) ? { partition: info.Partition } : {}),
    ...(opt(info.Account) ? { account: info.Account } : {}),
    ...(opt(info.QOS) && info.QOS !== 'normal' ? { qos: info.QOS } : {}),
    ...(opt(info.Features) ? { constraint: info.Features } : {}),
    exclusive: info.OverSubscribe === 'NO',
  };
}

export type SuccessorOutcome =
  { submitted: true; jobId: string; resubmission: number } | { submitted: false; reason: string };

/**
 * Submit the successor of `currentJobId` (afterany dependency), unless the run already used its
 * `maxResubmissions`. Uses `<submitDir>/quanta.sbatch`; when the run was started by another
 * script, one is written from the current job's shape first.
 */
export async function submitSuccessor(
  submitDir: string,
  currentJobId: string,
  opts: SlurmCommandOptions & { maxResubmissions?: number; scriptEnv?: Record<string, string> } = {},
): Promise<SuccessorOutcome> {
  const rec = readJobsRecord(submitDir);
  const max = opts.maxResubmissions ?? rec.maxResubmissions ?? 10;
  const used = rec.jobs.filter((j) => j.kind === 'successor' && !j.cancelledAt).length;
  if (used >= max) {
    return {
      submitted: false,
      reason: `max_resubmissions (${max}) reached: restore the run by hand or raise it`,
    };
  }
  let script = sbatchScriptPath(submitDir);
  if (!existsSync(script)) {
    script = writeScript(requestFromJob(await showJob(currentJobId, opts)), submitDir, {
      env: opts.scriptEnv,
    });
  }
  const jobId = await submitSbatch(script, { ...opts, dependency: `afterany:${currentJobId}` });
  recordSubmission(submitDir, { jobId, kind: 'successor', after: currentJobId }, max);
  return { submitted: true, jobId, resubmission: used + 1 };
}

/** The successor already queued after `currentJobId` (by this allocation's earlier manager, say). */
export function queuedSuccessor(submitDir: string, currentJobId: string): string | undefined {
  return readJobsRecord(submitDir).jobs.find(
    (j) => j.kind === 'successor' && j.after === currentJobId && !j.cancelledAt,
  )?.jobId;
}

/** The successor of `currentJobId`: the one already queued, else a new one (submitSuccessor). */
export async function ensureSuccessor(
  submitDir: string,
  currentJobId: string,
  opts: SlurmCommandOptions & { maxResubmissions?: number } = {},
): Promise<SuccessorOutcome> {
  const queued = queuedSuccessor(submitDir, currentJobId);
  if (queued) {
    const rec = readJobsRecord(submitDir);
    const n = rec.jobs.filter((j) => j.kind === 'successor' && !j.cancelledAt).length;
    return { submitted: true, jobId: queued, resubmission: n };
  }
  return submitSuccessor(submitDir, currentJobId, opts);
}

/** The run ended in this allocation: cancel the successor queued after it (scancel), and say so in the record. */
export async function cancelSuccessor(
  submitDir: string,
  currentJobId: string,
  opts: SlurmCommandOptions = {},
): Promise<string | undefined> {
  const jobId = queuedSuccessor(submitDir, currentJobId);
  if (!jobId) return undefined;
  await runSlurmCommand('scancel', [jobId], opts);
  const rec = readJobsRecord(submitDir);
  for (const j of rec.jobs) if (j.jobId === jobId) j.cancelledAt = new Date().toISOString();
  writeJobsRecord(submitDir, rec);
  return jobId;
}

/**
 * The run's latest batch job when Slurm still has it queued or starting (a successor waiting for
 * its predecessor, or a first job waiting for nodes); undefined when there is none or Slurm's
 * tools are not here. `quanta status --watch` keeps watching through that gap.
 */
export async function pendingBatchJob(
  submitDir: string,
  opts: SlurmCommandOptions = {},
): Promise<{ jobId: string; state: string } | undefined> {
  const last = readJobsRecord(submitDir).jobs.at(-1);
  if (!last) return undefined;
  try {
    const info = await showJob(last.jobId, { timeoutMs: 10_000, ...opts });
    const state = info.JobState ?? '';
    return /^(PENDING|CONFIGURING|REQUEUED|RESIZING)/.test(state) ? { jobId: last.jobId, state } : undefined;
  } catch {
    return undefined; // no scontrol here, or the job is long gone from slurmctld's memory
  }
}
