/**
 * The executors the contract suite runs against, each built by run/executor.ts (the one place
 * executors are constructed): local; the pilot with the local provider and the `none` launcher
 * (its worker is a local `quanta worker` process); the pilot with the Slurm provider and the srun
 * launcher inside an allocation of the real test cluster.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor, JobOutcome } from '../../src/engine/executor.js';
import { noneLauncher } from '../../src/executors/launchers/none.js';
import { srunLauncher } from '../../src/executors/launchers/srun.js';
import type { PilotExecutor } from '../../src/executors/pilot/options.js';
import { localProvider } from '../../src/executors/providers/local.js';
import { slurmProvider } from '../../src/executors/providers/slurm/provider.js';
import { createExecutor } from '../../src/run/executor.js';

export const BUDGET = { memoryMB: 1000, cores: 2 };

export interface ExecutorFixture {
  name: string;
  submitDir: string;
  executor: Executor;
  /** make the worker's process vanish the way it can for this executor */
  loseWorker(): void;
  /** what a job on a lost worker comes back as, and whether the engine hears workerLost */
  lost: { outcome: JobOutcome; workerLost: boolean };
  /** processes the executor started for its workers (gone after shutdown) */
  workerPids(): number[];
  dispose(): Promise<void>;
}

function newDir(name: string, base = tmpdir()): string {
  return mkdtempSync(join(base, `quanta-conformance-${name}-`));
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export function localFixture(): ExecutorFixture {
  const submitDir = newDir('local');
  const executor = createExecutor({ name: 'local', ...BUDGET }, { runId: `conf-${Date.now()}`, submitDir });
  // the local worker is the manager's own process: what can vanish is the spawner that runs its jobs
  const spawners = () =>
    childrenOf(process.pid).filter((p) => /spawner-process|quanta_spawn/.test(cmdline(p)));
  return {
    name: 'local',
    submitDir,
    executor,
    loseWorker: () => spawners().forEach((p) => process.kill(p, 'SIGKILL')),
    lost: { outcome: 'failed', workerLost: false },
    workerPids: spawners,
    dispose: async () => undefined,
  };
}

export function pilotLocalFixture(): ExecutorFixture {
  const submitDir = newDir('pilot');
  const executor = createExecutor(
    {
      name: 'pilot',
      provider: localProvider(),
      launcher: noneLauncher,
      site: { workerMemoryMB: BUDGET.memoryMB, workerCores: BUDGET.cores },
      pilot: { listenHost: '127.0.0.1', heartbeatMs: 500, heartbeatTimeoutMs: 5000 },
    },
    { runId: 'conf-pilot', submitDir },
  ) as PilotExecutor;
  return pilotFixture('pilot (local provider, none launcher)', submitDir, executor, async () => undefined);
}

function pilotFixture(
  name: string,
  submitDir: string,
  executor: PilotExecutor,
  dispose: () => Promise<void>,
): ExecutorFixture {
  return {
    name,
    submitDir,
    executor,
    loseWorker: () => {
      for (const w of executor.workers()) process.kill(w.pid, 'SIGKILL');
    },
    lost: { outcome: 'lost', workerLost: true },
    workerPids: () => executor.workers().map((w) => w.pid),
    dispose,
  };
}

/** An allocation of one node of the test cluster, the pilot inside it as a batch script would be. */
export function pilotSlurmFixture(env: NodeJS.ProcessEnv, ctldAddr: string): ExecutorFixture {
  const submitDir = newDir('slurm', '/tmp');
  const granted = spawnSync(
    'salloc',
    ['--no-shell', '-N1', '-c', '2', '--mem=1500M', '-J', 'quanta-conformance'],
    { env, encoding: 'utf8', timeout: 60_000 },
  );
  const jobId = /Granted job allocation (\d+)/.exec(granted.stderr)?.[1];
  if (!jobId) throw new Error(`salloc failed: ${granted.stderr}`);
  const info = execFileSync('scontrol', ['show', 'job', '-o', jobId], { env, encoding: 'utf8' });
  const nodes = /\bNodeList=(\S+)/.exec(info)?.[1] as string;
  const inJob: NodeJS.ProcessEnv = {
    ...env,
    SLURM_JOB_ID: jobId,
    SLURM_JOB_NODELIST: nodes,
    SLURM_JOB_CPUS_PER_NODE: '2',
    SLURM_MEM_PER_NODE: '1500',
  };
  const provider = slurmProvider({ env: inJob });
  const executor = createExecutor(
    {
      name: 'pilot',
      provider,
      launcher: srunLauncher,
      site: { workerMemoryMB: BUDGET.memoryMB, workerCores: BUDGET.cores },
      pilot: { advertiseHost: ctldAddr, heartbeatMs: 500, heartbeatTimeoutMs: 5000 },
    },
    { runId: 'conf-slurm', submitDir, env: inJob },
  ) as PilotExecutor;
  const f = pilotFixture('pilot (slurm provider, srun launcher)', submitDir, executor, () =>
    provider.cancel(jobId).catch(() => undefined),
  );
  // the worker runs on a node: its pid is not ours to kill, so the srun step is cancelled instead
  f.loseWorker = () => {
    execFileSync('scancel', ['--signal=KILL', `${jobId}.0`], { env });
  };
  f.workerPids = () => [];
  return f;
}
