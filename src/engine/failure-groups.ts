/**
 * The failed jobs of a run grouped by task label and cause, each group with the change that would
 * have let it run: `15 x memory on calibrate -> set pipetask.calibrate.requestMemory: 256`. The
 * values are ones that would have fitted: for memory kills the memory of the last attempt times the
 * memoryMultiplier (x2 when it is 1), for timeouts twice the time limit. Causes that no setting
 * fixes (a non-zero exit, a signal) point at the log of the first job instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalReader } from './journal-read.js';
import { WORKFLOW_COPY } from './run-setup.js';

export interface FailureFix {
  /** the key to set: `pipetask.calibrate.requestMemory` (submit YAML), `requestMemory` (workflow file) */
  key: string;
  value: number;
  /** where the key goes: the submit YAML of a `quanta submit` run, or the jobs of a workflow file */
  in: 'submit-yaml' | 'workflow';
  /** why this value */
  why: string;
}

export interface FailureGroup {
  label: string;
  /** `memory`, `timeout`, `exit 4`, `signal SIGSEGV`, `missing output`, ... */
  cause: string;
  count: number;
  /** the first job ids of the group (at most 5) */
  jobs: string[];
  /** highest peak memory (MB) of the group's jobs, the figure the failures show */
  peakMemoryMB: number | null;
  /** highest memory (MB) the group's last attempts ran with */
  memoryMB: number | null;
  fix: FailureFix | null;
  /** the log of the group's first job */
  logPath: string | null;
  /** `15 x memory on calibrate -> set pipetask.calibrate.requestMemory: 256 (...)` */
  text: string;
}

interface FailedRow {
  id: string;
  label: string;
  outcome: string | null;
  exit_code: number | null;
  signal: string | null;
  message: string | null;
  peak_memory: number | null;
  memory_mb: number | null;
  log_path: string | null;
}

interface LabelLimits {
  memoryMultiplier: number;
  timeoutSec: number;
}

/** Memory rounded up to 64 MB (the step of `suggestMemory`). */
const roundMB = (mb: number): number => Math.ceil(mb / 64) * 64;

export function causeOf(r: Pick<FailedRow, 'outcome' | 'exit_code' | 'signal' | 'message'>): string {
  if (r.outcome === 'memory' || r.outcome === 'timeout' || r.outcome === 'lost') return r.outcome;
  if (r.signal) return `signal ${r.signal}`;
  if (r.exit_code !== null && r.exit_code !== 0) return `exit ${r.exit_code}`;
  if (r.message?.startsWith('missing output')) return 'missing output';
  if (r.message?.startsWith('registering outputs failed')) return 'registering outputs failed';
  return r.outcome ?? 'failed';
}

/** Per label: the multiplier and the time limit its jobs ran with, from the run's workflow copy. */
function labelLimits(submitDir: string): Map<string, LabelLimits> {
  const out = new Map<string, LabelLimits>();
  const file = join(submitDir, WORKFLOW_COPY);
  if (!existsSync(file)) return out;
  let wf: {
    memoryMultiplier?: number;
    jobs?: { label: string; memoryMultiplier?: number; timeoutSec?: number }[];
  };
  try {
    wf = JSON.parse(readFileSync(file, 'utf8')) as typeof wf;
  } catch {
    return out; // the report still lists the failures, without advice that needs the workflow
  }
  for (const j of wf.jobs ?? []) {
    const cur = out.get(j.label) ?? { memoryMultiplier: 0, timeoutSec: 0 };
    cur.memoryMultiplier = Math.max(cur.memoryMultiplier, j.memoryMultiplier ?? wf.memoryMultiplier ?? 1);
    cur.timeoutSec = Math.max(cur.timeoutSec, j.timeoutSec ?? 0);
    out.set(j.label, cur);
  }
  return out;
}

function fixFor(
  g: Omit<FailureGroup, 'fix' | 'text'>,
  limits: LabelLimits | undefined,
  inYaml: boolean,
): FailureFix | null {
  const key = (k: string) => (inYaml ? `pipetask.${g.label}.${k}` : k);
  const where = inYaml ? 'submit-yaml' : 'workflow';
  if (g.cause === 'memory') {
    const m = limits && limits.memoryMultiplier > 1 ? limits.memoryMultiplier : 2;
    const ran = Math.max(g.memoryMB ?? 0, g.peakMemoryMB ?? 0);
    if (!ran) return null;
    return {
      key: key('requestMemory'),
      value: roundMB(ran * m),
      in: where,
      why: `killed at ${Math.round(ran)} MB; ${m} x that`,
    };
  }
  if (g.cause === 'timeout' && limits && limits.timeoutSec > 0) {
    return {
      key: key('requestWalltime'),
      value: Math.ceil(limits.timeoutSec * 2),
      in: where,
      why: `timed out after ${limits.timeoutSec} s; twice that, in seconds`,
    };
  }
  return null;
}

function describe(g: Omit<FailureGroup, 'text'>): string {
  const head = `${g.count} x ${g.cause} on ${g.label}`;
  if (g.fix) {
    const target = g.fix.in === 'workflow' ? ` on the ${g.label} jobs of the workflow file` : '';
    return `${head} -> set ${g.fix.key}: ${g.fix.value}${target} (${g.fix.why})`;
  }
  if (g.cause === 'lost') return `${head} -> the worker was lost; \`quanta restore\` runs them again`;
  return `${head} -> see the log of ${g.jobs[0]}: ${g.logPath ?? '(none)'}`;
}

/** The failed jobs of the run, grouped by label and cause, largest groups first. */
export function failureGroups(j: JournalReader): FailureGroup[] {
  const rows = j.db
    .prepare(
      `SELECT id, label, outcome, exit_code, signal, message, peak_memory,
              coalesce(memory_mb, request_memory) AS memory_mb, log_path
       FROM jobs WHERE state = 'failed' ORDER BY idx`,
    )
    .all() as FailedRow[];
  const groups = new Map<string, Omit<FailureGroup, 'fix' | 'text'>>();
  for (const r of rows) {
    const cause = causeOf(r);
    const k = `${r.label}\u0000${cause}`;
    let g = groups.get(k);
    if (!g) {
      g = {
        label: r.label,
        cause,
        count: 0,
        jobs: [],
        peakMemoryMB: null,
        memoryMB: null,
        logPath: r.log_path,
      };
      groups.set(k, g);
    }
    g.count++;
    if (g.jobs.length < 5) g.jobs.push(r.id);
    if (r.peak_memory !== null) g.peakMemoryMB = Math.max(g.peakMemoryMB ?? 0, r.peak_memory);
    if (r.memory_mb !== null) g.memoryMB = Math.max(g.memoryMB ?? 0, r.memory_mb);
  }
  if (groups.size === 0) return [];
  const limits = labelLimits(j.submitDir);
  const inYaml = existsSync(join(j.submitDir, 'config.yaml'));
  return [...groups.values()]
    .sort((a, b) => b.count - a.count)
    .map((g) => {
      const withFix = { ...g, fix: fixFor(g, limits.get(g.label), inYaml) };
      return { ...withFix, text: describe(withFix) };
    });
}
