/**
 * Engine bench (`npm run bench -- engine`): the same 15,050-job DAG of /bin/true (50 visits x
 * 100 detectors x 3 chained tasks + a per-visit gather) with 2 slots, run by quanta, by a bare
 * Node.js spawn loop (the floor: same number of processes, 2 in flight, nothing else), and, when
 * installed (or installable with apt as root), GNU parallel (layer by layer), Makeflow and
 * Snakemake. Also: journal transitions per second, restore of a 100k-job run to its first new
 * dispatch, and warm no-op TypeScript quanta per second through the whole engine (runWorkflow, the
 * local executor, the journal) and through the JobRunner alone.
 * Options: --runs=N (default 3), --jobs=N (the DAG's size: 50 visits x 100 detectors is 15,050,
 * `--jobs=1520` is 5 x 101; default 15050), --scale=F (fraction of the DAG, instead of --jobs),
 * --only=dag,journal,restore,warm (the parts to run, default all), --warm-quanta=N (default
 * 20000), --no-peers, --no-parallel, --no-makeflow, --no-snakemake, --peer-timeout=SEC (default 900).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { scratchDir } from './scratch.js';
import Database from 'better-sqlite3';
import type { Executor, ExecutorEvents } from '../src/engine/executor.js';
import { Journal } from '../src/engine/journal.js';
import { openRun } from '../src/engine/run-setup.js';
import { runWorkflow, startRun } from '../src/engine/run.js';
import { parseWorkflow, type Workflow } from '../src/engine/workflow.js';
import { JobRunner } from '../src/executors/job-runner.js';
import { LocalExecutor } from '../src/executors/local/local-executor.js';

const argv = process.argv.slice(2);
// `--name=value` (npm run bench passes only dash-prefixed arguments through)
const opt = (name: string, dflt: number) => {
  const a = argv.find((x) => x.startsWith(`${name}=`));
  return a ? Number(a.slice(name.length + 1)) : dflt;
};
const RUNS = opt('--runs', 3);
const SCALE = opt('--scale', 1);
const PEERS = !argv.includes('--no-peers');
const JOBS = opt('--jobs', 0);
const ONLY = (argv.find((x) => x.startsWith('--only='))?.slice(7) ?? 'dag,journal,restore,warm').split(',');
const WARM_QUANTA = opt('--warm-quanta', 20_000);
// --jobs=N: visits in proportion to N (50 for 15,050), detectors to make up N (3 tasks + a gather per visit)
const VISITS = JOBS
  ? Math.max(1, Math.round((50 * JOBS) / 15_050))
  : Math.max(1, Math.round(50 * Math.sqrt(SCALE)));
const DETECTORS = JOBS
  ? Math.max(1, Math.round((JOBS / VISITS - 1) / 3))
  : Math.max(1, Math.round(100 * Math.sqrt(SCALE)));
const SLOTS = 2;
const TRUE = existsSync('/bin/true') ? '/bin/true' : '/usr/bin/true';
const tmp = scratchDir;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function dag(): Workflow {
  const jobs: Record<string, unknown>[] = [];
  for (let v = 0; v < VISITS; v++) {
    const last: string[] = [];
    for (let d = 0; d < DETECTORS; d++) {
      let prev: string | undefined;
      for (const t of ['isr', 'calibrate', 'characterize']) {
        const id = `${t}.${v}.${d}`;
        jobs.push({
          id,
          label: t,
          argv: [TRUE],
          requestMemory: 1,
          requestCpus: 1,
          needs: prev ? [prev] : [],
        });
        prev = id;
      }
      last.push(prev as string);
    }
    jobs.push({
      id: `gather.${v}`,
      label: 'gather',
      argv: [TRUE],
      requestMemory: 1,
      requestCpus: 1,
      needs: last,
    });
  }
  return parseWorkflow({ name: 'bench', enforceMemory: false, jobs });
}

async function timeIt(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

async function quanta(wf: Workflow): Promise<number> {
  const dir = tmp('quanta');
  return timeIt(async () => {
    const s = await runWorkflow({
      submitDir: join(dir, 'submit'),
      workflow: wf,
      executor: ({ runId }) => new LocalExecutor({ cores: SLOTS, memoryMB: 4000, runId }),
    });
    if (s.status !== 'succeeded') throw new Error(`quanta bench run ${s.status}`);
  });
}

/**
 * The floor: a bare Node.js process (no tsx, no quanta loaded) that spawns n /bin/true, SLOTS in
 * flight. It runs in its own small process because fork() cost grows with the parent's memory:
 * timed inside this tsx-loaded bench (~130 MB resident) the same loop takes about twice as long.
 */
const FLOOR_SCRIPT = `
const { spawn } = require('node:child_process');
const [cmd, n, slots] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
let started = 0, finished = 0;
const t0 = performance.now();
const next = () => {
  if (started >= n) return;
  started++;
  spawn(cmd, [], { stdio: 'ignore' }).once('exit', () => {
    if (++finished === n) process.stdout.write(String(performance.now() - t0));
    else next();
  });
};
for (let i = 0; i < slots; i++) next();
`;

async function floor(n: number): Promise<number> {
  const r = spawnSync(process.execPath, ['-e', FLOOR_SCRIPT, TRUE, String(n), String(SLOTS)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ms = Number(r.stdout);
  if (r.status !== 0 || !Number.isFinite(ms) || ms <= 0) throw new Error(`floor loop failed: ${r.stdout}`);
  return ms;
}

/** Whether `cmd` is on PATH; as root, installs the Debian packages when apt has them (QUANTA_BENCH_INSTALL=0: never). */
function have(cmd: string, pkgs: readonly string[]): boolean {
  if (spawnSync('which', [cmd]).status === 0) return true;
  if (process.getuid?.() !== 0 || process.env.QUANTA_BENCH_INSTALL === '0') return false;
  const policy = spawnSync('apt-cache', ['policy', pkgs[0]], { encoding: 'utf8' }).stdout ?? '';
  if (!/Candidate: (?!\(none\))/.test(policy)) return false;
  process.stderr.write(`bench: installing ${pkgs.join(' ')} with apt-get\n`);
  spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return spawnSync('which', [cmd]).status === 0;
}

const PEER_TIMEOUT_SEC = opt('--peer-timeout', 900);

function runTimed(cmd: string, args: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: PEER_TIMEOUT_SEC * 1000,
    killSignal: 'SIGKILL', // Snakemake takes minutes to act on SIGTERM
  });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    throw new Error(`did not finish within ${PEER_TIMEOUT_SEC} s (--peer-timeout=SEC)`);
  }
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr?.toString().slice(-500)}`);
  return performance.now() - t0;
}

function makeflow(): number {
  const dir = tmp('makeflow');
  const lines: string[] = [];
  for (let v = 0; v < VISITS; v++) {
    const last: string[] = [];
    for (let d = 0; d < DETECTORS; d++) {
      let prev = '';
      for (const t of ['isr', 'calibrate', 'characterize']) {
        const f = `${t}.${v}.${d}`;
        lines.push(`${f}: ${prev}`, `\t${TRUE} > ${f}`, '');
        prev = f;
      }
      last.push(prev);
    }
    lines.push(`gather.${v}: ${last.join(' ')}`, `\t${TRUE} > gather.${v}`, '');
  }
  writeFileSync(join(dir, 'bench.mf'), lines.join('\n'));
  return runTimed('makeflow', ['-T', 'local', '-j', String(SLOTS), 'bench.mf'], dir);
}

function snakemake(): number {
  const dir = tmp('snakemake');
  const sm = `
V = range(${VISITS})
D = range(${DETECTORS})
rule all:
    input: expand("gather/{v}", v=V)
rule isr:
    output: "isr/{v}/{d}"
    shell: "${TRUE} > {output}"
rule calibrate:
    input: "isr/{v}/{d}"
    output: "calibrate/{v}/{d}"
    shell: "${TRUE} > {output}"
rule characterize:
    input: "calibrate/{v}/{d}"
    output: "characterize/{v}/{d}"
    shell: "${TRUE} > {output}"
rule gather:
    input: expand("characterize/{{v}}/{d}", d=D)
    output: "gather/{v}"
    shell: "${TRUE} > {output}"
`;
  writeFileSync(join(dir, 'Snakefile'), sm);
  return runTimed('snakemake', ['-j', String(SLOTS), '--quiet'], dir);
}

function gnuParallel(): number {
  const dir = tmp('parallel');
  const perLayer = VISITS * DETECTORS;
  writeFileSync(join(dir, 'args'), Array.from({ length: perLayer }, (_, i) => String(i)).join('\n'));
  writeFileSync(join(dir, 'gargs'), Array.from({ length: VISITS }, (_, i) => String(i)).join('\n'));
  let ms = 0;
  // the DAG as layer barriers: every isr, then every calibrate, ... (parallel has no DAG)
  for (let layer = 0; layer < 3; layer++)
    ms += runTimed('parallel', ['-j', String(SLOTS), '-a', 'args', TRUE], dir);
  ms += runTimed('parallel', ['-j', String(SLOTS), '-a', 'gargs', TRUE], dir);
  return ms;
}

function journalRate(): number {
  const dir = tmp('journal');
  const n = 100_000;
  const j = Journal.open(dir);
  j.seedJobs(
    Array.from({ length: n }, (_, i) => ({ id: `j${i}`, label: 'x', requestMemory: 1, requestCpus: 1 })),
  );
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    j.job(i, `j${i}`, 'running', {
      attempt: 1,
      worker_id: 'w',
      node: 'n',
      started_at: Date.now(),
      log_path: '/l',
    });
    if (i % 100 === 99) j.flush();
  }
  j.flush();
  const ms = performance.now() - t0;
  j.close();
  return n / (ms / 1000);
}

/** An executor that only records when the first job is dispatched (the restore measurement). */
class FirstDispatch implements Executor {
  readonly name = 'probe';
  at = 0;
  private ev?: ExecutorEvents;
  async start(ev: ExecutorEvents) {
    this.ev = ev;
    ev.workerJoined({ id: 'w', node: 'n', memoryMB: 1e6, cores: 4 });
  }
  dispatch() {
    if (!this.at) this.at = performance.now();
  }
  kill(id: string) {
    this.ev?.jobFinished({
      id,
      attempt: 1,
      outcome: 'cancelled',
      exitCode: null,
      signal: null,
      peakMemoryMB: 0,
      startedAt: 0,
      endedAt: 0,
      workerId: 'w',
      node: 'n',
    });
  }
  async shutdown() {}
}

async function restoreTime(): Promise<number> {
  const dir = tmp('restore');
  const n = 100_000;
  const jobs = Array.from({ length: n }, (_, i) => ({
    id: `j.${i}`,
    label: `t${i % 3}`,
    argv: [TRUE],
    requestMemory: 1,
    needs: i >= 1000 ? [`j.${i - 1000}`] : [],
  }));
  const sd = join(dir, 'submit');
  const r = openRun({ submitDir: sd, workflow: parseWorkflow({ name: 'big', jobs }) });
  r.journal.db.prepare("UPDATE jobs SET state = 'succeeded' WHERE idx < 50000").run();
  r.journal.db.prepare("UPDATE jobs SET state = 'running' WHERE idx >= 50000 AND idx < 50002").run();
  r.journal.close();
  const probe = new FirstDispatch();
  const t0 = performance.now();
  const h = await startRun({ submitDir: sd, executor: probe });
  while (!probe.at) await new Promise((res) => setImmediate(res));
  const ms = probe.at - t0;
  h.cancel();
  await h.done;
  return ms;
}

/** A no-op task module and `n` quantum files for it (no inputs, no outputs). */
function noopQuanta(dir: string, n: number): { mod: string; files: string[] } {
  const mod = join(dir, 'noop.mts');
  writeFileSync(
    mod,
    `import { defineTask } from ${JSON.stringify(resolve('src/task/define-task.ts'))};\nexport const noop = defineTask({ name: 'Noop', dimensions: [], connections: { outputs: {} }, run: () => ({}) });\n`,
  );
  mkdirSync(join(dir, 'quanta', 'noop'), { recursive: true });
  const files = Array.from({ length: n }, (_, i) => {
    const f = join(dir, 'quanta', 'noop', `q${i}.json`);
    writeFileSync(
      f,
      JSON.stringify({
        task: { label: 'noop', module: mod, exportName: 'noop', config: {} },
        dataId: { i },
        run: 'r',
        datastoreRoot: dir,
        inputs: {},
        outputs: {},
      }),
    );
    return f;
  });
  return { mod, files };
}

/**
 * `n` independent no-op TypeScript quanta through runWorkflow (local executor, SLOTS slots, warm
 * task workers, the journal, one log file per job). The rate is taken from the journal's end
 * times, from the 100th quantum's end to the last one's, so the warm processes' start is left out;
 * the wall time of the whole run is given beside it.
 */
async function warmEngine(n: number): Promise<{ rate: number; wallMs: number }> {
  const dir = tmp('warm-engine');
  const { mod, files } = noopQuanta(dir, n);
  const wf = parseWorkflow({
    name: 'warm',
    enforceMemory: false,
    jobs: files.map((quantumFile, i) => ({
      id: `q${i}`,
      label: 'noop',
      task: { module: mod, exportName: 'noop', quantumFile },
      requestMemory: 1,
      requestCpus: 1,
    })),
  });
  const submitDir = join(dir, 'submit');
  const t0 = performance.now();
  const s = await runWorkflow({
    submitDir,
    workflow: wf,
    executor: ({ runId }) => new LocalExecutor({ cores: SLOTS, memoryMB: 4000, runId }),
  });
  const wallMs = performance.now() - t0;
  if (s.status !== 'succeeded') throw new Error(`warm engine run ${s.status}: ${JSON.stringify(s.totals)}`);
  const j = new Database(join(submitDir, 'journal.sqlite3'), { readonly: true });
  const ends = (j.prepare('SELECT ended_at FROM jobs ORDER BY ended_at').raw().all() as [number][]).map(
    (r) => r[0],
  );
  j.close();
  const k = Math.min(100, Math.floor(n / 10));
  return { rate: (n - k) / ((ends[n - 1] - ends[k - 1]) / 1000), wallMs };
}

/** The JobRunner alone (no engine, no journal): `n` no-op quanta, SLOTS lanes. */
async function warmRunner(n: number): Promise<number> {
  const dir = tmp('warm');
  const { mod, files } = noopQuanta(dir, n);
  const runner = new JobRunner();
  mkdirSync(join(dir, 'logs'));
  const job = (i: number) => ({
    id: `q${i}`,
    label: 'noop',
    attempt: 1,
    payload: { kind: 'task' as const, module: mod, exportName: 'noop', quantumFile: files[i] },
    memoryMB: 1e6,
    cpus: 1,
    enforceMemory: false,
    logPath: join(dir, 'logs', `q${i}.log`),
  });
  await Promise.all([runner.run(job(0), { id: 'w', node: 'n' }), runner.run(job(1), { id: 'w', node: 'n' })]); // warm up
  let next = 2;
  let failed = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < n) {
      const r = await runner.run(job(next++), { id: 'w', node: 'n' });
      if (r.outcome !== 'succeeded') failed++;
    }
  };
  await Promise.all(Array.from({ length: SLOTS }, lane));
  const s = (performance.now() - t0) / 1000;
  await runner.shutdown();
  if (failed) throw new Error(`${failed} quanta failed in the JobRunner bench`);
  return (n - 2) / s;
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `${new Date().toISOString()}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
if (ONLY.includes('dag')) await dagBench();
if (ONLY.includes('journal')) {
  const jr: number[] = [];
  for (let r = 0; r < RUNS; r++) jr.push(journalRate());
  console.log(`\njournal transitions: ${fmt(median(jr))} per second (batches of 100, median of ${RUNS})`);
}
if (ONLY.includes('restore')) {
  const rt: number[] = [];
  for (let r = 0; r < RUNS; r++) rt.push(await restoreTime());
  console.log(
    `restore of a 100k-job run to its first new dispatch: ${median(rt).toFixed(0)} ms (median of ${RUNS})`,
  );
}
if (ONLY.includes('warm')) {
  const eng: { rate: number; wallMs: number }[] = [];
  const alone: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    eng.push(await warmEngine(WARM_QUANTA));
    alone.push(await warmRunner(Math.min(WARM_QUANTA, 5000)));
    console.log(
      `warm run ${r + 1}: engine ${fmt(eng[r].rate)} quanta/s (wall ${(eng[r].wallMs / 1000).toFixed(2)} s), JobRunner alone ${fmt(alone[r])} quanta/s; load ${loadavg()[0].toFixed(2)}`,
    );
  }
  console.log(
    `warm no-op TypeScript quanta through the engine (${fmt(WARM_QUANTA)}, journal included): ${fmt(median(eng.map((e) => e.rate)))} quanta/s (wall ${(median(eng.map((e) => e.wallMs)) / 1000).toFixed(2)} s), median of ${RUNS}`,
  );
  console.log(
    `warm no-op TypeScript quanta, JobRunner alone: ${fmt(median(alone))} quanta/s, median of ${RUNS}`,
  );
}

async function dagBench(): Promise<void> {
  const wf = dag();
  const n = wf.jobs.length;
  console.log(
    `DAG: ${VISITS} visits x ${DETECTORS} detectors x 3 tasks + ${VISITS} gathers = ${n} jobs of ${TRUE}, ${SLOTS} slots, ${RUNS} runs each`,
  );
  const qt: number[] = [];
  const ft: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    ft.push(await floor(n));
    qt.push(await quanta(wf));
    console.log(`run ${r + 1}: floor ${(ft[r] / 1000).toFixed(2)} s, quanta ${(qt[r] / 1000).toFixed(2)} s`);
  }
  const rows: [string, number][] = [
    ['node spawn floor', median(ft)],
    ['quanta (local executor)', median(qt)],
  ];
  if (PEERS) {
    for (const [name, cmd, pkgs, f] of [
      ['GNU parallel (layers)', 'parallel', ['parallel'], gnuParallel],
      // Debian's makeflow is linked with Open MPI and aborts at start without its runtime files
      ['Makeflow', 'makeflow', ['coop-computing-tools', 'openmpi-bin', 'openmpi-common'], makeflow],
      ['Snakemake', 'snakemake', ['snakemake'], snakemake],
    ] as const) {
      if (argv.includes(`--no-${cmd}`)) continue;
      if (!have(cmd, pkgs)) {
        console.log(`${name}: not installed, skipped`);
        continue;
      }
      try {
        const ms = f();
        console.log(`${name}: ${(ms / 1000).toFixed(2)} s`);
        rows.push([`${name} (1 run)`, ms]);
      } catch (e) {
        console.log(`${name}: ${(e as Error).message}`);
      }
    }
  }
  const base = median(ft);
  console.log('\n| runner | wall time (s) | per job (ms) | vs floor |');
  console.log('|---|---:|---:|---:|');
  for (const [name, ms] of rows)
    console.log(
      `| ${name} | ${(ms / 1000).toFixed(2)} | ${(ms / n).toFixed(3)} | ${(ms / base).toFixed(2)}x |`,
    );
}
