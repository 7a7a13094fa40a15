/**
 * Clustering bench (`npm run bench -- cluster`): the ToyCam single-frame pipeline (isr,
 * characterizeImage, calibrate: TypeScript quanta of a few ms each) over V visits x D detectors,
 * submitted unclustered (3 jobs per visit and detector) and with a bps `cluster:` section that
 * makes one job per visit and detector, alternately, on 2 cores. Prints medians of the engine's
 * run time (the `quanta submit --json` summary: graph building and start-up left out), quanta/s,
 * jobs/s and the wall time of the whole command.
 * Options: --runs=N (default 3), --visits=N (default 40), --detectors=N (default 10).
 *
 * `--pipetask`: the LSST path instead. pipe_base's AddTask pipeline (`python -m
 * quanta_lsst.addtask_repo`, N tasks in a chain, one quantum each) submitted unclustered (one
 * `pipetask run-qbb` per quantum) and with one `cluster:` section holding every task (one
 * run-qbb for all), alternately. Needs the LSST venv (`.services/lsst.env` from
 * scripts/services/start-lsst.sh, or QUANTA_LSST_VENV); skipped with a message without it.
 * Options: --runs=N (default 3), --tasks=N (default 20).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { scratchDir } from './scratch.js';
import { quantaBin } from '../test/engine/helpers.js';
import { makeToyRepo } from '../test/qgraph/toy-repo.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const a = argv.find((x) => x.startsWith(`${name}=`));
  return a ? Number(a.slice(name.length + 1)) : dflt;
};
const RUNS = opt('--runs', 3);
const VISITS = Array.from({ length: opt('--visits', 40) }, (_, i) => 100 + i);
const DETECTORS = Array.from({ length: opt('--detectors', 10) }, (_, i) => i);
const PAIRS = VISITS.length * DETECTORS.length;
const PIPELINE = join(import.meta.dirname, '..', 'test', 'pipeline', 'fixtures', 'DRP.yaml#singleFrame');
const CLUSTER = [
  'clusterAlgorithm: lsst.ctrl.bps.quantum_clustering_funcs.dimension_clustering',
  'cluster:',
  '  sfp:',
  '    pipetasks: isr, characterizeImage, calibrate',
  '    dimensions: visit, detector',
  '    equalDimensions: visit:exposure',
];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Sample {
  jobs: number;
  runS: number;
  wallS: number;
}

function submit(dir: string, name: string, clustered: boolean): Sample {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `pipelineYaml: "${PIPELINE}"`,
      'requestMemory: 300',
      `outputRun: u/bench/${name}`,
      'payload:',
      `  payloadName: ${name}`,
      `  butlerConfig: ${join(dir, 'repo')}`,
      '  inCollection: ToyCam/defaults',
      '  dataQuery: "instrument=\'ToyCam\'"',
      `submitPath: ${join(dir, 'submit', name)}`,
      ...(clustered ? CLUSTER : []),
      '',
    ].join('\n'),
  );
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [quantaBin(), 'submit', file, '--cores', '2', '--json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`submit ${name} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const s = JSON.parse(r.stdout) as { totals: { succeeded: number; total: number }; elapsedMs: number };
  if (s.totals.succeeded !== s.totals.total) throw new Error(`submit ${name}: not every job succeeded`);
  return { jobs: s.totals.total, runS: s.elapsedMs / 1000, wallS };
}

async function main(): Promise<void> {
  const dir = scratchDir('cluster');
  mkdirSync(join(dir, 'repo'));
  const { butler } = await makeToyRepo(join(dir, 'repo'), {
    visits: VISITS,
    detectors: DETECTORS,
    rawFiles: true,
  });
  await butler.close();
  quantaBin();
  const plain: Sample[] = [];
  const clustered: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(submit(dir, `plain${i}`, false));
    clustered.push(submit(dir, `clustered${i}`, true));
    process.stderr.write(`run ${i + 1}/${RUNS} done\n`);
  }
  const quanta = 3 * PAIRS;
  const row = (name: string, xs: Sample[]): string[] => {
    const run = median(xs.map((x) => x.runS));
    return [
      name,
      String(xs[0].jobs),
      `${run.toFixed(2)} s`,
      `${(quanta / run).toFixed(0)}`,
      `${(xs[0].jobs / run).toFixed(0)}`,
      `${median(xs.map((x) => x.wallS)).toFixed(2)} s`,
    ];
  };
  const rows = [
    ['', 'jobs', 'run time', 'quanta/s', 'jobs/s', 'wall time'],
    row('unclustered', plain),
    row('clustered (sfp: visit, detector)', clustered),
  ];
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const fmt = (r: string[]) => r.map((x, c) => (c === 0 ? x.padEnd(w[c]) : x.padStart(w[c]))).join('  ');
  const ratio = median(plain.map((x) => x.runS)) / median(clustered.map((x) => x.runS));
  process.stdout.write(
    `${quanta} quanta (${VISITS.length} visits x ${DETECTORS.length} detectors x 3 tasks), 2 cores, medians of ${RUNS}; ` +
      `${new Date().toISOString()}, ${cpus().length} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n` +
      `${rows.map(fmt).join('\n')}\nclustered run time: ${ratio.toFixed(2)}x faster\n`,
  );
}

/** The LSST venv (QUANTA_LSST_VENV, or .services/lsst.env), when there is one. */
const ROOT = join(import.meta.dirname, '..');
const QUANTA_JS = join(ROOT, 'bin', 'quanta.js');

function lsstVenv(): string | undefined {
  const file = join(ROOT, '.services', 'lsst.env');
  const fromFile = existsSync(file)
    ? /^QUANTA_LSST_VENV=(.*)$/m.exec(readFileSync(file, 'utf8'))?.[1]
    : undefined;
  const venv = process.env.QUANTA_LSST_VENV ?? fromFile;
  return venv && existsSync(join(venv, 'bin', 'pipetask')) ? venv : undefined;
}

function submitPipetask(dir: string, venv: string, name: string, tasks: number, clustered: boolean): Sample {
  const file = join(dir, `${name}.yaml`);
  const labels = Array.from({ length: tasks }, (_, i) => `task${i}`);
  writeFileSync(
    file,
    [
      'pipelineYaml: pipeline.yaml',
      `outputRun: u/bench/${name}`,
      'payload:',
      `  payloadName: ${name}`,
      '  butlerConfig: repo',
      '  inCollection: test',
      `  output: u/bench/${name}-chain`,
      'requestMemory: 1024',
      `submitPath: ${join(dir, 'submit', name)}`,
      ...(clustered
        ? [
            'clusterAlgorithm: lsst.ctrl.bps.quantum_clustering_funcs.dimension_clustering',
            'cluster:',
            '  adds:',
            `    pipetasks: ${labels.join(', ')}`,
            '    dimensions: detector',
          ]
        : []),
      '',
    ].join('\n'),
  );
  const t0 = performance.now();
  // bin/quanta.js (dist/, which finds the Python helper under python/), not quantaBin()'s copy
  const r = spawnSync(process.execPath, [QUANTA_JS, 'submit', file, '--cores', '2', '--json'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${venv}/bin:${process.env.PATH}` },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`submit ${name} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const s = JSON.parse(r.stdout) as { totals: { succeeded: number; total: number }; elapsedMs: number };
  if (s.totals.succeeded !== s.totals.total) throw new Error(`submit ${name}: not every job succeeded`);
  return { jobs: s.totals.total, runS: s.elapsedMs / 1000, wallS };
}

async function mainPipetask(): Promise<void> {
  const venv = lsstVenv();
  if (!venv) {
    process.stdout.write(
      'cluster --pipetask: skipped, no LSST venv (run bash scripts/services/start-lsst.sh, or set QUANTA_LSST_VENV)\n',
    );
    return;
  }
  const tasks = opt('--tasks', 20);
  const dir = scratchDir('cluster-lsst');
  const made = spawnSync(
    join(venv, 'bin', 'python'),
    ['-m', 'quanta_lsst.addtask_repo', dir, '--tasks', String(tasks)],
    { encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(ROOT, 'python') } },
  );
  if (made.status !== 0) throw new Error(`addtask_repo failed: ${made.stderr}`);
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('npm run build failed');
  const plain: Sample[] = [];
  const clustered: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    plain.push(submitPipetask(dir, venv, `plain${i}`, tasks, false));
    clustered.push(submitPipetask(dir, venv, `clustered${i}`, tasks, true));
    process.stderr.write(`run ${i + 1}/${RUNS} done\n`);
  }
  const row = (name: string, xs: Sample[]): string[] => {
    const run = median(xs.map((x) => x.runS));
    return [
      name,
      String(xs[0].jobs),
      `${run.toFixed(2)} s`,
      `${(tasks / run).toFixed(2)}`,
      `${median(xs.map((x) => x.wallS)).toFixed(2)} s`,
    ];
  };
  const rows = [
    ['', 'jobs', 'run time', 'quanta/s', 'wall time'],
    row('unclustered (run-qbb per quantum)', plain),
    row('clustered (one run-qbb)', clustered),
  ];
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const fmt = (r: string[]) => r.map((x, c) => (c === 0 ? x.padEnd(w[c]) : x.padStart(w[c]))).join('  ');
  const ratio = median(plain.map((x) => x.runS)) / median(clustered.map((x) => x.runS));
  process.stdout.write(
    `pipe_base AddTask, ${tasks} quanta in a chain (pipetaskInit and finalJob besides), 2 cores, medians of ${RUNS}; ` +
      `${new Date().toISOString()}, ${cpus().length} CPUs, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n` +
      `${rows.map(fmt).join('\n')}\nclustered run time: ${ratio.toFixed(2)}x faster\n`,
  );
}

await (argv.includes('--pipetask') ? mainPipetask() : main());
