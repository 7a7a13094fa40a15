/**
 * Helpers for tests on the real Slurm test cluster (scripts/services/start-slurm.sh): submit a
 * run driven by test/slurm/run-pilot.ts, wait for Slurm jobs, read what the run left behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureToken } from '../../src/executors/pilot/index.js';
import { parseScontrolRecord, submitSbatch, writeScript } from '../../src/executors/providers/slurm/index.js';
import type { BatchRequest } from '../../src/executors/providers/slurm/index.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export function slurmEnv(conf: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  // a test run inside someone's allocation must not look like one
  for (const k of Object.keys(env)) if (k.startsWith('SLURM_') && k !== 'SLURM_CONF') delete env[k];
  return env;
}

/** A fresh submit dir on the shared filesystem (the fake nodes share this machine's). */
export function newSubmitDir(prefix: string): string {
  const dir = mkdtempSync(join('/tmp', `quanta-slurm-test-${prefix}-`));
  ensureToken(dir);
  return dir;
}

export interface CommandJobSpec {
  id: string;
  label: string;
  argv: string[];
  requestMemory?: number;
  requestCpus?: number;
  needs?: string[];
}

export function writeWorkflow(dir: string, name: string, jobs: CommandJobSpec[]): string {
  const path = join(dir, 'input-workflow.json');
  writeFileSync(
    path,
    JSON.stringify({
      name,
      jobs: jobs.map((j) => ({ requestMemory: 100, requestCpus: 1, needs: [], ...j })),
    }),
  );
  return path;
}

/** Write the batch script (running run-pilot.ts) and submit it; returns the Slurm job id. */
export async function submitRun(
  env: NodeJS.ProcessEnv,
  dir: string,
  workflow: string,
  req: Partial<BatchRequest> = {},
  scriptEnv: Record<string, string> = {},
): Promise<string> {
  const script = writeScript({ jobName: 'quanta-test', nodes: 3, exclusive: true, ...req }, dir, {
    cwd: root,
    env: scriptEnv,
    argv: [process.execPath, '--import', 'tsx', join(root, 'test/slurm/run-pilot.ts'), dir, workflow],
  });
  return submitSbatch(script, { env, cwd: dir });
}

export function jobInfo(env: NodeJS.ProcessEnv, jobId: string): Record<string, string> {
  return parseScontrolRecord(
    execFileSync('scontrol', ['show', 'job', '-o', jobId], { env, encoding: 'utf8' }),
  );
}

const FINAL = /^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE)/;

/** Poll until the Slurm job is in a final state; returns that state. */
export async function waitForJob(env: NodeJS.ProcessEnv, jobId: string, timeoutMs: number): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const state = jobInfo(env, jobId).JobState ?? '';
    if (FINAL.test(state)) return state;
    if (Date.now() - t0 > timeoutMs) {
      execFileSync('scancel', [jobId], { env });
      throw new Error(`Slurm job ${jobId} still ${state} after ${timeoutMs} ms (cancelled)`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

export async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Lines of `<submitDir>/pilot/pilot.log` (pino JSON). */
export function pilotLog(dir: string): Record<string, unknown>[] {
  const f = join(dir, 'pilot', 'pilot.log');
  if (!existsSync(f)) return [];
  return readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Whatever the batch job printed, for assertion messages. */
export function jobOutput(dir: string, jobId: string): string {
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  return `${read(join(dir, `slurm-${jobId}.stdout`))}\n${read(join(dir, `slurm-${jobId}.stderr`))}`;
}
