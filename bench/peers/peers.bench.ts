/**
 * quanta's pilot beside plain Parsl (HTEX + LocalProvider + SrunLauncher) and bps with
 * ctrl_bps_parsl, on the same 3-node Slurm allocation. `npm run bench -- peers` (needs
 * scripts/services/start-slurm.sh and the LSST venv). One `sbatch --nodes=3` allocation per
 * workload (each under 15 minutes); inside it bench/peers/inner.py runs every system in turn, once
 * per rep:
 *   dag       N no-op commands (`true`) in a DAG of 10 layers: quanta run-workflow --executor pilot
 *             / Parsl bash_apps with the same dependencies;
 *   pipeline  pipe_base's AddTask pipeline (quanta_lsst.addtask_repo): quanta submit --executor
 *             pilot / bps submit with lsst.ctrl.bps.parsl.ParslService (bench/peers/peers_site.py);
 *   recovery  the DAG with a marker per task; kill -9 of the manager (quanta's, Parsl's DFK) at
 *             50%, then `quanta restore` / the Parsl driver with its checkpoints: time to finish
 *             and tasks that ran again.
 * Options: --jobs N (dag, default 10000), --recovery-jobs N (default 2000), --pipeline-tasks N
 * (default 5), --reps N (default 3), --workloads dag,pipeline,recovery, --systems (default all).
 * Prints one table; writes bench/results/peers-<timestamp>.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { submitSbatch, writeScript } from '../../src/executors/providers/slurm/index.js';
import { summarise, type PeersRow, type Workload } from './table.js';
import { dagWorkflow } from './workflows.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const opt = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
};
const num = (name: string, dflt: number): number => {
  const v = Number(opt(name, String(dflt)));
  if (!Number.isInteger(v) || v < 1) {
    process.stderr.write(`peers bench: --${name} wants a positive integer\n`);
    process.exit(2);
  }
  return v;
};

const SYSTEMS: Record<Workload, string[]> = {
  dag: ['quanta', 'parsl'],
  recovery: ['quanta', 'parsl'],
  pipeline: ['quanta', 'bps'],
};

function readEnvFile(name: string): Record<string, string> {
  const f = join(root, '.services', name);
  if (!existsSync(f)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]] = m[2];
  }
  return out;
}

let running: { id: string; env: NodeJS.ProcessEnv } | undefined;
const cancel = () => {
  if (running) spawnSync('scancel', [running.id], { env: running.env });
  running = undefined;
};
for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.once(sig, () => {
    cancel();
    process.exit(130);
  });

async function allocation(
  workload: Workload,
  env: NodeJS.ProcessEnv,
  venv: string,
  args: string[],
): Promise<PeersRow[]> {
  const dir = mkdtempSync(join('/tmp', `quanta-bench-peers-${workload}-`));
  const out = join(dir, 'rows.json');
  const script = writeScript(
    { jobName: `peers-${workload}`, nodes: 3, exclusive: true, time: '00:15:00' },
    dir,
    {
      cwd: dir,
      env: { QUANTA_LSST_VENV: venv },
      argv: [
        join(venv, 'bin', 'python'),
        join(here, 'inner.py'),
        workload,
        '--work',
        dir,
        '--root',
        root,
        '--out',
        out,
        ...args,
      ],
    },
  );
  const id = await submitSbatch(script, { env });
  running = { id, env };
  process.stdout.write(`peers ${workload}: Slurm job ${id} (3 nodes), work dir ${dir}\n`);
  const deadline = Date.now() + 16 * 60_000;
  for (;;) {
    await new Promise((r) => setTimeout(r, 2000));
    const q = spawnSync('squeue', ['-h', '-j', id, '-o', '%T'], { env, encoding: 'utf8' }).stdout.trim();
    if (!q) break;
    if (Date.now() > deadline) {
      cancel();
      break;
    }
  }
  running = undefined;
  if (!existsSync(out)) {
    const err = join(dir, `slurm-${id}.stderr`);
    process.stdout.write(
      `peers ${workload}: no result (${existsSync(err) ? readFileSync(err, 'utf8').slice(-2000) : 'no output'})\n`,
    );
    return [];
  }
  return (JSON.parse(readFileSync(out, 'utf8')) as Omit<PeersRow, 'workload'>[]).map((r) => ({
    ...r,
    workload,
  }));
}

async function main(): Promise<void> {
  const slurm = readEnvFile('slurm.env');
  const venv = readEnvFile('lsst.env').QUANTA_LSST_VENV ?? join(root, '.venv-lsst');
  const conf = slurm.QUANTA_SLURM_CONF;
  if (!conf || !existsSync(join(venv, 'bin', 'python'))) {
    process.stdout.write('peers bench: needs the Slurm test cluster and the LSST venv; skipped\n');
    return;
  }
  const env: NodeJS.ProcessEnv = { SLURM_CONF: conf };
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SLURM_')) env[k] = v;
  const reps = num('reps', 3);
  const workloads = opt('workloads', 'dag,pipeline,recovery').split(',') as Workload[];
  const only = opt('systems', '');
  const rows: PeersRow[] = [];
  const inputs = mkdtempSync(join('/tmp', 'quanta-bench-peers-'));
  for (const w of workloads) {
    if (!(w in SYSTEMS)) {
      process.stderr.write(`peers bench: unknown workload '${w}' (dag, pipeline, recovery)\n`);
      process.exit(2);
    }
    const systems = SYSTEMS[w].filter((s) => !only || only.split(',').includes(s));
    const args = ['--reps', String(reps), '--systems', systems.join(',')];
    if (w === 'dag' || w === 'recovery') {
      const n = w === 'dag' ? num('jobs', 10_000) : num('recovery-jobs', 2000);
      const wf = join(inputs, `${w}.json`);
      writeFileSync(wf, JSON.stringify(dagWorkflow(n, w === 'dag' ? null : '@MARKERS@')));
      args.push('--workflow', wf);
    } else args.push('--pipeline-tasks', String(num('pipeline-tasks', 5)));
    rows.push(...(await allocation(w, env, venv, args)));
  }
  const table = summarise(rows);
  process.stdout.write(`${table.text}\n`);
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = join(resultsDir, `peers-${stamp}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: hostname(),
        loadavg: loadavg(),
        options: process.argv.slice(2),
        summary: table.summary,
        rows,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`peers bench: rows in ${file}\n`);
}

try {
  await main();
} finally {
  cancel();
}
