import { DEFAULT_MAX_RESUBMISSIONS } from './defaults.js';
import type { ParsedSubmit } from './schema.js';
import { parseSlurmTime } from './units.js';

/** Where and how the run executes (gen3_workflow's `parsl_config`, plus quanta's Slurm keys). */
export interface SiteConfig {
  retries: number;
  monitoring: boolean;
  executor: string;
  provider: 'Local' | 'Slurm';
  nodesPerBlock: number;
  /** per-worker memory budget from `worker_options: "--memory=MB"` */
  workerMemoryMB?: number;
  /** per-worker cores from `worker_options: "--cores=N"` */
  workerCores?: number;
  /** as written ("15:00:00") */
  walltime?: string;
  walltimeSec?: number;
  account?: string;
  qos?: string;
  constraint?: string;
  schedulerOptions?: string;
  maxResubmissions: number;
}

/** `--memory=90000 --cores=64`: the options quanta's worker understands; others are reported. */
export function parseWorkerOptions(text: string): { memoryMB?: number; cores?: number; unknown: string[] } {
  const out: { memoryMB?: number; cores?: number; unknown: string[] } = { unknown: [] };
  const words = text.trim() === '' ? [] : text.trim().split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const m = w.match(/^--(memory|cores)(?:=(.*))?$/);
    if (!m) {
      out.unknown.push(w);
      continue;
    }
    // both `--memory=N` and `--memory N`
    const value = m[2] ?? words[++i];
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n <= 0) {
      out.unknown.push(m[2] !== undefined ? w : `${w} ${value ?? ''}`.trim());
      continue;
    }
    if (m[1] === 'memory') out.memoryMB = n;
    else out.cores = n;
  }
  return out;
}

export function buildSite(parsed: ParsedSubmit, warn: (key: string, message: string) => void): SiteConfig {
  const p = parsed.parsl_config ?? {};
  const site: SiteConfig = {
    retries: p.retries ?? parsed.numberOfRetries,
    monitoring: p.monitoring ?? false,
    executor: p.executor ?? 'WorkQueue',
    provider: p.provider ?? 'Local',
    nodesPerBlock: p.nodes_per_block ?? 1,
    maxResubmissions: p.max_resubmissions ?? DEFAULT_MAX_RESUBMISSIONS,
  };
  if (p.worker_options !== undefined) {
    const w = parseWorkerOptions(p.worker_options);
    if (w.memoryMB !== undefined) site.workerMemoryMB = w.memoryMB;
    if (w.cores !== undefined) site.workerCores = w.cores;
    if (w.unknown.length > 0) {
      warn(
        'parsl_config.worker_options',
        `unknown worker option(s) ${w.unknown.map((x) => `"${x}"`).join(', ')} are ignored (quanta understands --memory=MB and --cores=N)`,
      );
    }
  }
  if (p.walltime !== undefined) {
    site.walltime = String(p.walltime);
    site.walltimeSec = parseSlurmTime(p.walltime);
  }
  if (p.account !== undefined) site.account = p.account;
  if (p.qos !== undefined) site.qos = p.qos;
  if (p.constraint !== undefined) site.constraint = p.constraint;
  if (p.scheduler_options !== undefined) site.schedulerOptions = p.scheduler_options;
  return site;
}
