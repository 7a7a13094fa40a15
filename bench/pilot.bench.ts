/**
 * No-op jobs per second on the real 3-node Slurm test cluster, in ONE allocation:
 *   - the pilot: engine + 3 workers (one per node, 2 cores each), jobs dispatched over TCP;
 *   - srun per job: one `srun --exact -n1 -c1 --mem=100M true` job step per job, 6 in flight
 *     (the allocation's 6 cores), which is what a pilot-less run inside one allocation would do.
 * `npm run bench -- pilot` (needs scripts/services/start-slurm.sh). The outer process submits one
 * batch job that re-runs this file with --inner; the inner side measures and writes JSON.
 * Options: --jobs N (pilot jobs per rep, default 600), --srun-jobs N (default 60), --reps N (default 3).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openJournalReadOnly } from '../src/engine/journal-read.js';
import { runWorkflow } from '../src/engine/run.js';
import { parseWorkflow } from '../src/engine/workflow.js';
import { srunLauncher } from '../src/executors/launchers/srun.js';
import { createPilotExecutor, ensureToken } from '../src/executors/pilot/index.js';
import { slurmProvider, submitSbatch, writeScript } from '../src/executors/providers/slurm/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Rep {
  pilotJobsPerSec: number;
  pilotWallSec: number;
  srunJobsPerSec: number;
}

async function pilotRep(n: number): Promise<{ rate: number; wall: number }> {
  const dir = mkdtempSync(join('/tmp', 'quanta-bench-pilot-'));
  ensureToken(dir);
  const workflow = parseWorkflow({
    name: 'noop',
    jobs: Array.from({ length: n }, (_, i) => ({
      id: `noop.${i}`,
      label: 'noop',
      argv: ['true'],
      requestMemory: 10,
    })),
  });
  const t0 = Date.now();
  const summary = await runWorkflow({
    submitDir: dir,
    workflow,
    executor: createPilotExecutor({ submitDir: dir, provider: slurmProvider(), launcher: srunLauncher }),
  });
  const wall = (Date.now() - t0) / 1000;
  if (summary.status !== 'succeeded') throw new Error(`pilot run ${dir}: ${summary.status}`);
  // throughput once workers are up: first start to last end, from the journal
  const j = openJournalReadOnly(dir);
  const rows = j.jobs();
  j.close();
  const first = Math.min(...rows.map((r) => r.started_at as number));
  const last = Math.max(...rows.map((r) => r.ended_at as number));
  return { rate: n / ((last - first) / 1000), wall };
}

function srunOne(): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn('srun', ['-N1', '-n1', '--exact', '-c1', '--mem=100M', 'true'], { stdio: 'ignore' });
    c.once('error', reject);
    c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`srun exited ${code}`))));
  });
}

async function srunRep(n: number, inFlight: number): Promise<number> {
  const t0 = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < n) {
      next++;
      await srunOne();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return n / ((Date.now() - t0) / 1000);
}

async function inner(out: string): Promise<void> {
  const reps: Rep[] = [];
  for (let r = 0; r < arg('reps', 3); r++) {
    const p = await pilotRep(arg('jobs', 600));
    const s = await srunRep(arg('srun-jobs', 60), 6);
    reps.push({ pilotJobsPerSec: p.rate, pilotWallSec: p.wall, srunJobsPerSec: s });
    process.stderr.write(`rep ${r + 1}: pilot ${p.rate.toFixed(1)} jobs/s, srun ${s.toFixed(1)} jobs/s\n`);
  }
  writeFileSync(out, JSON.stringify(reps));
}

async function outer(): Promise<void> {
  const envFile = join(root, '.services', 'slurm.env');
  const conf = existsSync(envFile)
    ? /QUANTA_SLURM_CONF=(.*)/.exec(readFileSync(envFile, 'utf8'))?.[1]
    : undefined;
  if (!conf) {
    process.stdout.write(
      'pilot bench: no Slurm test cluster (run scripts/services/start-slurm.sh); skipped\n',
    );
    return;
  }
  const env: NodeJS.ProcessEnv = { SLURM_CONF: conf };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SLURM_')) env[k] = v;
  const dir = mkdtempSync(join('/tmp', 'quanta-bench-'));
  const out = join(dir, 'result.json');
  const passed = process.argv.slice(2);
  const script = writeScript({ jobName: 'quanta-bench', nodes: 3, exclusive: true }, dir, {
    cwd: root,
    argv: [process.execPath, '--import', 'tsx', fileURLToPath(import.meta.url), '--inner', out, ...passed],
  });
  const jobId = await submitSbatch(script, { env });
  process.stdout.write(`pilot bench: Slurm job ${jobId} (3 nodes x 2 cores), output in ${dir}\n`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const q = await new Promise<string>((resolve) => {
      const c = spawn('squeue', ['-h', '-j', jobId, '-o', '%T'], { env });
      let s = '';
      c.stdout.on('data', (b: Buffer) => (s += b.toString()));
      c.once('exit', () => resolve(s.trim()));
    });
    if (!q) break;
  }
  if (!existsSync(out)) {
    const err = join(dir, `slurm-${jobId}.stderr`);
    throw new Error(
      `bench job ${jobId} wrote no result: ${existsSync(err) ? readFileSync(err, 'utf8') : ''}`,
    );
  }
  const reps = JSON.parse(readFileSync(out, 'utf8')) as Rep[];
  const pilot = median(reps.map((r) => r.pilotJobsPerSec));
  const srun = median(reps.map((r) => r.srunJobsPerSec));
  const rows = [
    ['method', 'no-op jobs/s (median)', 'reps'],
    ['pilot, 3 workers x 2 cores', pilot.toFixed(1), String(reps.length)],
    ['srun step per job, 6 in flight', srun.toFixed(1), String(reps.length)],
    ['ratio pilot / srun', `${(pilot / srun).toFixed(1)}x`, ''],
  ];
  const w = [0, 1, 2].map((c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(w[i])).join('  ')}\n`);
  process.stdout.write(
    `(pilot run wall time incl. worker start, median: ${median(reps.map((r) => r.pilotWallSec)).toFixed(1)} s for ${arg('jobs', 600)} jobs)\n`,
  );
}

const i = process.argv.indexOf('--inner');
if (i > 0) await inner(process.argv[i + 1]);
else await outer();
