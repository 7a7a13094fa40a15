/**
 * Whole runs (engine + journal + pilot) whose workers are local `quanta worker` processes (the
 * local provider split into named nodes, the `none` launcher): runs that end before every worker
 * joined, a frozen worker fenced and let back in, a killed worker relaunched on its node, and a
 * node that left the allocation not tried again. The journal is what the tests read.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { loadWorkflow } from '../../src/engine/workflow.js';
import { noneLauncher } from '../../src/executors/launchers/none.js';
import { defaultWorkerCommand } from '../../src/executors/pilot/launch.js';
import type { Provider } from '../../src/executors/provider.js';
import { localProvider } from '../../src/executors/providers/local.js';
import { runPrepared, startPreparedRun } from '../../src/run/start.js';
import type { RunResult } from '../../src/run/start.js';
import { pilotLog, waitFor } from '../slurm/cluster.js';
import { pidAlive } from '../slurm/recorder.js';

interface JobSpec {
  id: string;
  argv: string[];
  timeoutSec?: number;
}

function newRun(prefix: string, jobs: JobSpec[]) {
  const dir = mkdtempSync(join(tmpdir(), `quanta-heal-${prefix}-`));
  const wfPath = join(dir, 'input-workflow.json');
  writeFileSync(
    wfPath,
    JSON.stringify({
      name: prefix,
      numberOfRetries: 0, // a lost attempt must not use up a retry the job does not have
      jobs: jobs.map((j) => ({
        label: j.id.split('.')[0],
        requestMemory: 100,
        requestCpus: 1,
        needs: [],
        ...j,
      })),
    }),
  );
  return { dir, submitDir: join(dir, 'submit'), workflow: loadWorkflow(wfPath) };
}

function rows(submitDir: string) {
  const j = openJournalReadOnly(submitDir);
  try {
    return j.jobs();
  } finally {
    j.close();
  }
}

const joins = (submitDir: string) =>
  pilotLog(submitDir).filter((l) => l.msg === 'worker joined') as {
    workerId: string;
    node: string;
    pid: number;
    time: number;
  }[];

/** A worker command that starts the worker of every node but the first only after `sec` s. */
function lateWorkers(dir: string, sec: number): string[] {
  const script = join(dir, 'late-worker.sh');
  writeFileSync(
    script,
    [
      '#!/bin/sh',
      `case "$*" in *-1) ;; *) trap 'kill $! 2>/dev/null; exit 0' INT TERM; sleep ${sec} & wait; exit 0 ;; esac`,
      'exec "$@"',
      '',
    ].join('\n'),
  );
  chmodSync(script, 0o755);
  return [script, ...defaultWorkerCommand()];
}

const fast = { listenHost: '127.0.0.1', heartbeatMs: 200, heartbeatTimeoutMs: 1500, relaunchDelayMs: 300 };

describe('pilot runs that heal', () => {
  it('a run that ends before every expected worker joined has the outcome its journal says', async () => {
    const r = newRun('early', [{ id: 'one.1', argv: ['true'] }]);
    const result: RunResult = await runPrepared({
      submitDir: r.submitDir,
      workflow: r.workflow,
      executor: {
        name: 'pilot',
        provider: localProvider({ nodes: 3 }),
        launcher: noneLauncher,
        pilot: { ...fast, workerCommand: lateWorkers(r.dir, 30) },
      },
    });
    expect(result.status).toBe('succeeded');
    expect(rows(r.submitDir).map((x) => x.state)).toEqual(['succeeded']);
    expect(joins(r.submitDir)).toHaveLength(1);
  }, 60_000);

  it('with a deadline, a job that does not fit the time left waits for the successor', async () => {
    const r = newRun('deadline', [{ id: 'long.1', argv: ['true'] }]); // expected 300 s (defaultJobSec)
    const local = localProvider({ nodes: 3 });
    const provider: Provider = {
      name: 'local',
      nodes: () => local.nodes(),
      deadline: async () => ({ deadline: Date.now() + 120_000, marginSec: 30 }),
    };
    const result = await runPrepared({
      submitDir: r.submitDir,
      workflow: r.workflow,
      executor: {
        name: 'pilot',
        provider,
        launcher: noneLauncher,
        pilot: { ...fast, workerCommand: lateWorkers(r.dir, 30) },
      },
    });
    expect(result.status).toBe('deadline');
    expect(rows(r.submitDir).map((x) => x.state)).toEqual(['ready']);
  }, 60_000);

  it('a frozen worker is fenced: its job is killed while it is frozen, then runs again as a new attempt with its own log; back, it rejoins', async () => {
    const r = newRun('frozen', [
      { id: 'held.1', argv: ['sh', '-c', 'echo $$ > "$PIDS.$QUANTA_ATTEMPT"; sleep 6; echo finished'] },
    ]);
    const pids = join(r.dir, 'pid');
    r.workflow.jobs[0].env = { PIDS: pids };
    const started = await startPreparedRun({
      submitDir: r.submitDir,
      workflow: r.workflow,
      executor: { name: 'pilot', provider: localProvider({ nodes: 2 }), launcher: noneLauncher, pilot: fast },
    });
    if (started.kind !== 'running') throw new Error('not running here');
    const pidOf = (attempt: number) => {
      const f = `${pids}.${attempt}`;
      return existsSync(f) && readFileSync(f, 'utf8').trim() ? Number(readFileSync(f, 'utf8')) : undefined;
    };
    await waitFor(() => pidOf(1) !== undefined, 20_000, 'attempt 1 running');
    const holder = rows(r.submitDir)[0].worker_id as string;
    const frozen = joins(r.submitDir).find((j) => j.workerId === holder)!;
    process.kill(frozen.pid, 'SIGSTOP');
    try {
      // its spawner fenced it (the lease lapsed) before the manager gave up on the worker
      await waitFor(() => pidOf(2) !== undefined, 20_000, 'attempt 2 on the other worker');
      expect(pidAlive(pidOf(1)!)).toBe(false); // never two copies at once
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
    }
    const result = await started.done;
    expect(result.status).toBe('succeeded');
    const [row] = rows(r.submitDir);
    expect(row).toMatchObject({ state: 'succeeded', attempt: 2, outcome: 'succeeded' });
    expect(row.worker_id).not.toBe(holder);
    expect(String(row.log_path)).toMatch(/held\.1\.2\.log$/);
    expect(readFileSync(String(row.log_path), 'utf8')).toContain('finished');
    // the fenced attempt had a log of its own, and never finished
    const firstLog = String(row.log_path).replace(/\.2\.log$/, '.1.log');
    expect(readFileSync(firstLog, 'utf8')).not.toContain('finished');
    // the worker came back as a new session of the same process
    expect(joins(r.submitDir).map((j) => j.workerId)).toContain(`${holder}.s2`);
  }, 60_000);

  it('a killed worker is relaunched on its node and takes work again', async () => {
    const jobs = Array.from({ length: 24 }, (_, i) => ({ id: `s.${i}`, argv: ['sleep', '0.4'] }));
    const r = newRun('relaunch', jobs);
    const started = await startPreparedRun({
      submitDir: r.submitDir,
      workflow: r.workflow,
      executor: { name: 'pilot', provider: localProvider({ nodes: 2 }), launcher: noneLauncher, pilot: fast },
    });
    if (started.kind !== 'running') throw new Error('not running here');
    await waitFor(() => joins(r.submitDir).length === 2, 20_000, 'two workers');
    const victim = joins(r.submitDir).find((j) => j.node.endsWith('-2'))!;
    await new Promise((res) => setTimeout(res, 800));
    process.kill(victim.pid, 'SIGKILL');
    const result = await started.done;
    expect(result.status).toBe('succeeded');
    const back = joins(r.submitDir).filter((j) => j.node === victim.node);
    expect(back).toHaveLength(2);
    expect(back[1].pid).not.toBe(victim.pid);
    expect(pilotLog(r.submitDir).map((l) => String(l.msg))).toContainEqual(
      expect.stringMatching(new RegExp(`^worker step on ${victim.node} ended; relaunching it in 0.3 s`)),
    );
    // capacity came back: the relaunched worker ran jobs
    const all = rows(r.submitDir);
    expect(all.every((x) => x.state === 'succeeded')).toBe(true);
    expect(all.filter((x) => x.worker_id === back[1].workerId).length).toBeGreaterThan(0);
  }, 60_000);

  it('a node that left the allocation is not tried again', async () => {
    const jobs = Array.from({ length: 12 }, (_, i) => ({ id: `s.${i}`, argv: ['sleep', '0.4'] }));
    const r = newRun('removed', jobs);
    const local = localProvider({ nodes: 2 });
    const removed = new Set<string>(); // nodes Slurm took out of the allocation
    const provider: Provider = {
      name: 'local',
      nodes: () => local.nodes(),
      liveNodes: async () => (await local.nodes()).map((n) => n.name).filter((n) => !removed.has(n)),
      deadline: async () => undefined,
    };
    const started = await startPreparedRun({
      submitDir: r.submitDir,
      workflow: r.workflow,
      executor: { name: 'pilot', provider, launcher: noneLauncher, pilot: fast },
    });
    if (started.kind !== 'running') throw new Error('not running here');
    await waitFor(() => joins(r.submitDir).length === 2, 20_000, 'two workers');
    const victim = joins(r.submitDir).find((j) => j.node.endsWith('-2'))!;
    removed.add(victim.node);
    process.kill(victim.pid, 'SIGKILL');
    const result = await started.done;
    expect(result.status).toBe('succeeded');
    expect(joins(r.submitDir).filter((j) => j.node === victim.node)).toHaveLength(1);
    expect(pilotLog(r.submitDir).map((l) => String(l.msg))).toContainEqual(
      `worker step on ${victim.node} not relaunched: ${victim.node} is no longer in the allocation`,
    );
  }, 60_000);
});
