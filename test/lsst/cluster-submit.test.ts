/**
 * bps clustering on the LSST path with the real middleware: a clustered `quanta submit` runs one
 * `pipetask run-qbb` per cluster (fewer jobs), the real Butler finds every output, status counts
 * quanta per task label, and a cluster whose run-qbb is killed mid-way runs again without
 * re-running the quanta that finished (run-qbb skips a quantum whose metadata is stored).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { clusterIndexSchema } from '../../src/task/cluster-file.js';
import { Oracle } from '../helpers/oracle.js';
import { describeWithService, probeService } from '../helpers/services.js';

const lsst = probeService('lsst');
const root = fileURLToPath(new URL('../..', import.meta.url));
const example = join(root, 'examples', 'lsst-python');
const venv = lsst.env.QUANTA_LSST_VENV ?? '';
const DIM = 'clusterAlgorithm: lsst.ctrl.bps.quantum_clustering_funcs.dimension_clustering';

const userEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${venv}/bin:${process.env.PATH}`,
  PYTHONPATH: example,
  USER: 'tester',
});

function quanta(args: string[], cwd: string) {
  return spawnSync(process.execPath, [join(root, 'bin', 'quanta.js'), ...args], {
    cwd,
    env: userEnv(),
    encoding: 'utf8',
    timeout: 600_000,
  });
}

function python(args: string[], cwd: string): string {
  const r = spawnSync(`${venv}/bin/python`, args, {
    cwd,
    env: userEnv(),
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`python ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const submitDirOf = (stderr: string): string => {
  const m = /submit dir: (\S+)/.exec(stderr);
  if (!m) throw new Error(`no submit dir in: ${stderr}`);
  return m[1];
};

interface Status {
  labels: { label: string; succeeded: number; total: number }[];
  quanta?: { labels: { label: string; succeeded: number; total: number }[]; clusterJobs: number };
}

const indexOf = (submitDir: string) =>
  clusterIndexSchema.parse(JSON.parse(readFileSync(join(submitDir, 'clusters', 'index.json'), 'utf8')));

/** The pids of the run-qbb processes of a submit dir (their argv names its lsst.qg). */
function runQbbPids(submitDir: string): number[] {
  const qg = join(submitDir, 'lsst.qg');
  const pids: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv.includes('run-qbb') && argv.includes(qg)) pids.push(Number(p));
  }
  return pids;
}

describeWithService('lsst', lsst, 'bps clustering of Python PipelineTasks through quanta submit', () => {
  let oracle: Oracle | undefined;
  const butler = (): Oracle => (oracle ??= new Oracle(venv));
  afterAll(async () => oracle?.close());

  it('runs 12 scale quanta in 2 partition jobs, bps-sorted, and the real Butler finds every output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-lsst-cluster-'));
    for (const f of ['pipeline.yaml']) cpSync(join(example, f), join(dir, f));
    python([join(example, 'make_repo.py'), join(dir, 'repo'), '--detectors', '12'], dir);
    writeFileSync(
      join(dir, 'bps.yaml'),
      [
        readFileSync(join(example, 'bps.yaml'), 'utf8'),
        DIM,
        'cluster:',
        '  scale:',
        '    pipetasks: scale',
        '    partitionDimensions: detector',
        '    partitionMaxClusters: 2',
        '',
      ].join('\n'),
    );
    const r = quanta(['submit', 'bps.yaml'], dir);
    expect(r.status, r.stderr).toBe(0);
    const submitDir = submitDirOf(r.stderr);
    const st = JSON.parse(quanta(['status', submitDir, '--json'], dir).stdout) as Status;
    // 5 jobs instead of 15
    expect(st.labels.map((l) => [l.label, l.succeeded, l.total])).toEqual([
      ['pipetaskInit', 1, 1],
      ['scale', 2, 2],
      ['sum', 1, 1],
      ['finalJob', 1, 1],
    ]);
    expect(st.quanta?.clusterJobs).toBe(2);
    const summary = JSON.parse(readFileSync(join(submitDir, 'summary.json'), 'utf8')) as {
      quanta: number;
      jobs: number;
      clusters?: Record<string, number>;
    };
    expect([summary.quanta, summary.jobs, summary.clusters]).toEqual([13, 5, { scale: 2 }]);
    expect(st.quanta?.labels.map((l) => [l.label, l.succeeded, l.total])).toEqual([
      ['pipetaskInit', 1, 1],
      ['scale', 12, 12],
      ['sum', 1, 1],
      ['finalJob', 1, 1],
    ]);
    // bps sorts the partition values as strings: 0 1 10 11 2 3 | 4 5 6 7 8 9
    const index = indexOf(submitDir);
    expect(index.clusters.scale_001.quanta.map((q) => q.jobId).sort()).toEqual(
      ['scale.0', 'scale.1', 'scale.10', 'scale.11', 'scale.2', 'scale.3'].sort(),
    );
    for (const q of Object.values(index.clusters).flatMap((c) => c.quanta))
      expect(existsSync(q.result), q.result).toBe(true);
    const wf = JSON.parse(readFileSync(join(submitDir, 'workflow.json'), 'utf8')) as {
      jobs: { id: string; argv: string[] }[];
    };
    const job = wf.jobs.find((j) => j.id === 'scale_001')!;
    expect(job.argv[job.argv.indexOf('--qgraph-node-id') + 1].split(',')).toHaveLength(6);
    const scaled = await butler().call<unknown[]>('query_datasets', {
      root: join(dir, 'repo'),
      dataset_type: 'example_scaled',
      collections: ['u/tester/example'],
    });
    expect(scaled).toHaveLength(12);
    const sum = await butler().call<unknown[]>('query_datasets', {
      root: join(dir, 'repo'),
      dataset_type: 'example_sum',
      collections: ['u/tester/example'],
    });
    expect(sum).toHaveLength(1);
  }, 300_000);

  it('runs a killed cluster again without re-running the quanta that finished', async () => {
    const tasks = 30;
    const dir = mkdtempSync(join(tmpdir(), 'quanta-addtask-cluster-'));
    python(['-m', 'quanta_lsst.addtask_repo', dir, '--tasks', String(tasks)], dir);
    const labels = Array.from({ length: tasks }, (_, i) => `task${i}`);
    writeFileSync(
      join(dir, 'bps.yaml'),
      [
        'pipelineYaml: pipeline.yaml',
        'payload:',
        '  payloadName: addtask',
        '  butlerConfig: repo',
        '  inCollection: test',
        '  output: out/addtask',
        'requestMemory: 1024',
        'numberOfRetries: 1',
        DIM,
        'cluster:',
        '  adds:',
        `    pipetasks: ${labels.join(', ')}`,
        '    dimensions: detector',
        '',
      ].join('\n'),
    );
    const mgr = spawn(process.execPath, [join(root, 'bin', 'quanta.js'), 'submit', 'bps.yaml'], {
      cwd: dir,
      env: userEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    mgr.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => mgr.on('exit', (code) => resolve(code)));
    // wait for the cluster's first finished quanta, then kill its run-qbb (a lost node, an OOM kill)
    let submitDir = '';
    let done: Map<string, number> | undefined;
    const deadline = Date.now() + 240_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`the cluster did not get going: ${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
      if (!submitDir && /submit dir: \S+/.test(stderr)) submitDir = submitDirOf(stderr);
      if (!submitDir || !existsSync(join(submitDir, 'clusters', 'index.json'))) continue;
      const quantaOf = indexOf(submitDir).clusters.adds_0.quanta;
      const finished = quantaOf.filter((q) => existsSync(q.result));
      if (finished.length < 2) continue;
      const pids = runQbbPids(submitDir);
      if (!pids.length) continue;
      for (const p of pids) process.kill(p, 'SIGKILL');
      // what had finished by the kill (a quantum may finish between the look and the kill)
      done = new Map(
        quantaOf.filter((q) => existsSync(q.result)).map((q) => [q.result, statSync(q.result).mtimeMs]),
      );
      break;
    }
    expect(await exited, stderr).toBe(0);
    expect(done.size).toBeLessThan(tasks); // the kill came mid-cluster
    const j = openJournalReadOnly(submitDir);
    const row = j.jobs({}).find((x) => x.id === 'adds_0')!;
    j.close();
    expect(row).toMatchObject({ state: 'succeeded', attempt: 2 });
    // the second attempt skipped every quantum that had finished and left its metadata alone
    const log = readFileSync(join(submitDir, 'logs', 'adds', 'adds_0.2.log'), 'utf8');
    const skipped = log.match(/Skipping already-successful quantum for label=task\d+/g) ?? [];
    expect(skipped.length).toBeGreaterThanOrEqual(done.size);
    for (const [file, mtime] of done) expect(statSync(file).mtimeMs, file).toBe(mtime);
    const st = JSON.parse(quanta(['status', submitDir, '--json'], dir).stdout) as Status;
    expect(st.quanta?.labels.filter((l) => l.label.startsWith('task')).every((l) => l.succeeded === 1)).toBe(
      true,
    );
    const last = await butler().call<unknown[]>('query_datasets', {
      root: join(dir, 'repo'),
      dataset_type: `add_dataset${tasks}`,
      collections: ['out/addtask'],
    });
    expect(last).toHaveLength(1);
  }, 400_000);
});
