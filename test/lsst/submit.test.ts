/**
 * Python PipelineTasks through `quanta submit` with the real LSST middleware: LSST's pipetask
 * builds the graph, quanta runs pre-exec-init-qbb, run-qbb per quantum and aggregate-graph, and
 * the real Butler then finds every output. Also pipe_base's own AddTask, and a manager killed
 * with SIGKILL mid-run that `quanta restore` finishes without re-running a finished quantum.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { Oracle } from '../helpers/oracle.js';
import { describeWithService, probeService } from '../helpers/services.js';

const lsst = probeService('lsst');
const root = fileURLToPath(new URL('../..', import.meta.url));
const example = join(root, 'examples', 'lsst-python');
const venv = lsst.env.QUANTA_LSST_VENV ?? '';

/** The user's environment: the LSST stack on PATH, the example's tasks importable. */
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

/** A copy of the example with its repository made by the real Butler. */
function exampleRun(detectors: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-lsst-'));
  for (const f of ['bps.yaml', 'pipeline.yaml']) cpSync(join(example, f), join(dir, f));
  python([join(example, 'make_repo.py'), join(dir, 'repo'), '--detectors', String(detectors)], dir);
  return dir;
}

const submitDirOf = (stderr: string): string => {
  const m = /submit dir: (\S+)/.exec(stderr);
  if (!m) throw new Error(`no submit dir in: ${stderr}`);
  return m[1];
};

/** The value the real Butler reads back for example_sum. */
function exampleSum(dir: string, collection: string): { total: number; detectors: number[] } {
  const code = `import json,sys\nfrom lsst.daf.butler import Butler\nb=Butler.from_config(sys.argv[1], collections=sys.argv[2])\nprint(json.dumps(b.get('example_sum', instrument='ExampleCam')))`;
  return JSON.parse(python(['-c', code, join(dir, 'repo'), collection], dir)) as {
    total: number;
    detectors: number[];
  };
}

/** sum over detectors d of (0..9 + d) * factor 3 */
const expectedTotal = (n: number): number =>
  3 * Array.from({ length: n }, (_, d) => 45 + 10 * d).reduce((a, b) => a + b, 0);

describeWithService('lsst', lsst, 'Python PipelineTasks through quanta submit', () => {
  let oracle: Oracle | undefined;
  const butler = (): Oracle => (oracle ??= new Oracle(venv));
  afterAll(async () => oracle?.close());

  it('runs the example end to end and the real Butler finds every output', async () => {
    const dir = exampleRun(3);
    const r = quanta(['submit', 'bps.yaml'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('Generated 3 quanta for task scale');
    const submitDir = submitDirOf(r.stderr);
    expect(existsSync(join(submitDir, 'lsst.qg'))).toBe(true);
    const st = JSON.parse(quanta(['status', submitDir, '--json'], dir).stdout) as {
      labels: { label: string; succeeded: number }[];
    };
    expect(st.labels.map((l) => [l.label, l.succeeded])).toEqual([
      ['pipetaskInit', 1],
      ['scale', 3],
      ['sum', 1],
      ['finalJob', 1],
    ]);
    const scaled = await butler().call<unknown[]>('query_datasets', {
      root: join(dir, 'repo'),
      dataset_type: 'example_scaled',
      collections: ['u/tester/example'],
    });
    expect(scaled).toHaveLength(3);
    expect(exampleSum(dir, 'u/tester/example')).toEqual({ total: expectedTotal(3), detectors: [0, 1, 2] });
    const report = JSON.parse(quanta(['report', submitDir, '--json'], dir).stdout) as { failures: unknown[] };
    expect(report.failures).toEqual([]);
  }, 300_000);

  it('says in one paragraph why pipetask qgraph failed and keeps its log', () => {
    const dir = exampleRun(1);
    writeFileSync(
      join(dir, 'bps.yaml'),
      readFileSync(join(dir, 'bps.yaml'), 'utf8').replace(`instrument = 'ExampleCam'`, 'nosuchdim = 3'),
    );
    const r = quanta(['submit', 'bps.yaml'], dir);
    expect(r.status).toBe(2);
    const m =
      /\[LSST_QGRAPH_FAILED\] \S+: pipetask qgraph for \S+bps\.yaml exited with 1 after [\d.]+ s: .*nosuchdim.* The command and its whole output are in (\S+qgraph\.log)\./.exec(
        r.stderr,
      );
    expect(m, r.stderr).not.toBeNull();
    expect(readFileSync(m![1], 'utf8')).toContain('--save-qgraph');
  }, 120_000);

  it("runs pipe_base's own AddTask pipeline", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-addtask-'));
    python(['-m', 'quanta_lsst.addtask_repo', dir, '--tasks', '3'], dir);
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
        '',
      ].join('\n'),
    );
    const r = quanta(['submit', 'bps.yaml', '--json'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).totals).toMatchObject({ succeeded: 5, total: 5 });
    for (const t of ['add_dataset1', 'add_dataset2', 'add_dataset3', 'add2_dataset3', 'task2_metadata']) {
      const found = await butler().call<unknown[]>('query_datasets', {
        root: join(dir, 'repo'),
        dataset_type: t,
        collections: ['out/addtask'],
      });
      expect(found, t).toHaveLength(1);
    }
  }, 300_000);

  it('restores a manager killed with SIGKILL mid-run without re-running a finished quantum', async () => {
    const dir = exampleRun(6);
    const mgr = spawn(
      process.execPath,
      [join(root, 'bin', 'quanta.js'), 'submit', 'bps.yaml', '--cores', '1'],
      {
        cwd: dir,
        env: userEnv(),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    mgr.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<void>((resolve) => mgr.on('exit', () => resolve()));
    let submitDir = '';
    const deadline = Date.now() + 240_000;
    let before: { id: string; attempt: number; started_at: number | null }[] = [];
    for (;;) {
      if (Date.now() > deadline) throw new Error(`the run did not get going: ${stderr}`);
      await new Promise((r) => setTimeout(r, 250));
      if (!submitDir && /submit dir: \S+/.test(stderr)) submitDir = submitDirOf(stderr);
      if (!submitDir || !existsSync(join(submitDir, 'journal.sqlite3'))) continue;
      const j = openJournalReadOnly(submitDir);
      try {
        before = j.jobs({ state: 'succeeded' }) as typeof before;
      } finally {
        j.close();
      }
      if (before.filter((b) => b.id.startsWith('scale.')).length >= 2) break;
    }
    mgr.kill('SIGKILL');
    await exited;
    const r = quanta(['restore', submitDir, '--cores', '1', '--json'], dir);
    expect(r.status, r.stderr).toBe(0);
    const j = openJournalReadOnly(submitDir);
    const after = new Map(
      j.jobs({}).map((row) => [row.id, row as unknown as (typeof before)[number] & { state: string }]),
    );
    j.close();
    expect([...after.values()].every((x) => x.state === 'succeeded')).toBe(true);
    for (const b of before) {
      // the same single attempt, started at the same time: it did not run again
      expect(after.get(b.id), b.id).toMatchObject({ attempt: b.attempt, started_at: b.started_at });
      const label = b.id.split('.')[0];
      expect(readdirSync(join(submitDir, 'logs', label)).filter((f) => f.startsWith(`${b.id}.`))).toEqual([
        `${b.id}.${b.attempt}.log`,
      ]);
    }
    const scaled = await butler().call<unknown[]>('query_datasets', {
      root: join(dir, 'repo'),
      dataset_type: 'example_scaled',
      collections: ['u/tester/example'],
    });
    expect(scaled).toHaveLength(6);
    expect(exampleSum(dir, 'u/tester/example').total).toBe(expectedTotal(6));
  }, 400_000);
});
