/**
 * Running the Slurm client tools (scontrol, sbatch, srun) with argv arrays, with errors a user
 * can act on: a missing tool says so, a failing one shows its stderr.
 */
import { execFile } from 'node:child_process';
import { ExecutorError } from '../../../errors.js';

export interface SlurmCommandOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export function runSlurmCommand(
  cmd: string,
  args: string[],
  opts: SlurmCommandOptions = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      {
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (!err) {
          resolve(stdout);
          return;
        }
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          reject(
            new ExecutorError(
              'SLURM_MISSING',
              `${cmd} not found on PATH: run this on a Slurm login or compute node`,
            ),
          );
          return;
        }
        const detail = String(stderr).trim() || err.message;
        reject(new ExecutorError('SLURM_COMMAND', `${cmd} ${args.join(' ')} failed: ${detail}`));
      },
    );
  });
}

/** `scontrol show job -o ID` as a key -> value map (values may contain spaces). */
export function parseScontrolRecord(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(?:^|\s)([A-Za-z][A-Za-z0-9_:/]*)=(.*?)(?=\s+[A-Za-z][A-Za-z0-9_:/]*=|\s*$)/gs;
  for (const m of line.trim().matchAll(re)) out[m[1]] = m[2];
  return out;
}

export async function showJob(
  jobId: string,
  opts: SlurmCommandOptions = {},
): Promise<Record<string, string>> {
  const text = await runSlurmCommand('scontrol', ['show', 'job', '-o', jobId], opts);
  return parseScontrolRecord(text.split('\n')[0] ?? '');
}

/**
 * Expand `SLURM_JOB_CPUS_PER_NODE` ("2(x3)", "4,2(x2)") into one count per node, in node order.
 */
export function expandCpusPerNode(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)(?:\(x(\d+)\))?\s*$/.exec(part);
    if (!m) continue;
    for (let i = 0; i < Number(m[2] ?? 1); i++) out.push(Number(m[1]));
  }
  return out;
}
