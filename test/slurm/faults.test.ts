/**
 * A seeded fault-injection suite on the pilot path (issue 16), on the REAL 3-node Slurm test
 * cluster: one allocation runs a workflow of short command jobs through quanta's own batch script
 * (`quanta restore DIR --executor pilot` under its supervisor loop) while >= 20 faults picked by a
 * seeded PRNG hit it: kill -9 of a worker, a worker frozen (SIGSTOP 3-8 s, then SIGCONT), a
 * "network cut" (a worker silent for longer than the heartbeat timeout, then healed), kill -9 of
 * a slurmd (started again as start-slurm.sh does), kill -9 of the manager. Then: every job
 * succeeded, no job ran again after it had succeeded, no two copies of a job ran at once, no
 * process of the run is left on any node, and capacity returned (jobs ran on all three nodes
 * after the last fault). The seed is printed; QUANTA_FAULT_SEED=N replays a plan.
 *
 * Pacing: a chain of `tick` jobs (each waits at most 1.5 s for a gate file) keeps the run going
 * until the faults are over, releasing two body jobs each; the test opens the gate after the last
 * fault, and the tail (which needs the last tick) runs on whatever capacity came back. A frozen
 * worker's jobs run on (they are not stopped with it) until its processes' lease lapses and they
 * kill them, before the manager re-dispatches: QUANTA_FAULT_JOB_SEC=5-6.5 (jobs longer than the
 * heartbeat timeout) checks that no copies overlap then either.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it, onTestFailed } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import {
  readJobsRecord,
  recordSubmission,
  submitSbatch,
  writeScript,
} from '../../src/executors/providers/slurm/index.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { jobOutput, newSubmitDir, pilotLog, root, slurmEnv, waitForJob } from './cluster.js';
import {
  JOB_SCRIPT,
  alivePid,
  faultSeed,
  leftovers,
  managerProcs,
  markerViolations,
  netnsPathOf,
  prng,
  readMarks,
  slurmdStartTime,
  startSlurmd,
  workerProcs,
} from './faults.js';
import type { SlurmdHandle } from './faults.js';

const slurm = probeService('slurm');
const quantaJs = join(root, 'bin/quanta.js');
const NODES = ['n1', 'n2', 'n3'];
const FAULTS = 22;
const MAX_MANAGER_KILLS = 3;
const TICKS = 110;
const BODY_PER_TICK = 2;
const TAIL = 24;
const HB_MS = 500;
const HB_TIMEOUT_MS = 4000;
const TAG_VAR = 'QUANTA_FAULT_RUN';

const KINDS = ['worker-kill', 'freeze', 'cut', 'slurmd-kill', 'manager-kill'] as const;
type Kind = (typeof KINDS)[number];

interface PlannedFault {
  kind: Kind;
  gapMs: number;
  durMs: number;
  pick: number;
}

/** The whole plan from the seed: every kind at least once (a shuffled first round), then at random. */
function plan(seed: number): PlannedFault[] {
  const rand = prng(seed);
  const kinds: Kind[] = [...KINDS];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  while (kinds.length < FAULTS) {
    const k = KINDS[Math.floor(rand() * KINDS.length)];
    if (k === 'manager-kill' && kinds.filter((x) => x === k).length >= MAX_MANAGER_KILLS) continue;
    kinds.push(k);
  }
  return kinds.map((kind) => {
    const gapMs = Math.round(500 + rand() * 1500);
    const u = rand();
    const durMs = Math.round(
      kind === 'freeze'
        ? 3000 + u * 5000
        : kind === 'cut'
          ? HB_TIMEOUT_MS + 1500 + u * 3000 // silent for longer than the heartbeat timeout
          : 1000 + u * 2000, // slurmd: down for 1-3 s
    );
    return { kind, gapMs, durMs, pick: rand() };
  });
}

interface Job {
  id: string;
  label: string;
  argv: string[];
  env: Record<string, string>;
  timeoutSec: number;
  requestMemory: number;
  needs: string[];
}

/**
 * Seconds the body and tail jobs sleep: uniform in [min, max]; default 0.5-2, shorter than the
 * heartbeat timeout. QUANTA_FAULT_JOB_SEC=MIN-MAX sets it (longer jobs: see docs/slurm.md).
 */
function jobSeconds(env: NodeJS.ProcessEnv = process.env): [number, number] {
  const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(env.QUANTA_FAULT_JOB_SEC ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [0.5, 2];
}

function workflow(dir: string, rand: () => number): Job[] {
  const [lo, hi] = jobSeconds();
  const seconds = () => (lo + rand() * (hi - lo)).toFixed(2);
  const gate = join(dir, 'faults-done');
  const env = { [TAG_VAR]: basename(dir) };
  const job = (id: string, label: string, what: string, needs: string[]): Job => ({
    id,
    label,
    argv: ['sh', '-c', JOB_SCRIPT, 'sh', id, join(dir, 'markers', id), join(dir, 'locks', id), what, gate],
    env,
    timeoutSec: 20, // the run-time estimate: the default 300 s would not fit the wall time
    requestMemory: 100,
    needs,
  });
  const jobs: Job[] = [];
  for (let k = 0; k < TICKS; k++) {
    jobs.push(job(`tick.${k}`, 'tick', 'tick', k ? [`tick.${k - 1}`] : []));
    for (let j = 0; j < BODY_PER_TICK; j++)
      jobs.push(job(`body.${k}.${j}`, 'body', seconds(), [`tick.${k}`]));
  }
  for (let j = 0; j < TAIL; j++) jobs.push(job(`tail.${j}`, 'tail', seconds(), [`tick.${TICKS - 1}`]));
  return jobs;
}

type LogLine = Record<string, unknown> & { msg?: string; time?: number; workerId?: string; node?: string };

/** pilot.log lines of the manager that runs now (each manager starts with 'manager listening'). */
function currentManagerLines(dir: string): LogLine[] {
  const log = pilotLog(dir) as LogLine[];
  let i = log.length - 1;
  while (i >= 0 && log[i].msg !== 'manager listening') i--;
  return i < 0 ? [] : log.slice(i);
}

/** workerId -> node of the workers connected to the current manager. */
function connected(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of currentManagerLines(dir)) {
    if (l.msg === 'worker joined') m.set(String(l.workerId), String(l.node));
    else if (String(l.msg).startsWith('worker lost')) m.delete(String(l.workerId));
  }
  return m;
}

async function until<T>(probe: () => T | undefined | false, ms: number): Promise<T | undefined> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() - t0 > ms) return undefined;
    await sleep(100);
  }
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describeWithService('slurm', slurm, 'seeded faults on the pilot path (real Slurm cluster)', () => {
  const env = slurmEnv(slurm.env.QUANTA_SLURM_CONF ?? '');
  const conf = slurm.env.QUANTA_SLURM_CONF ?? '';
  const slurmDir = slurm.env.QUANTA_SLURM_DIR ?? '/tmp/quanta-slurm';

  it(`${FAULTS} seeded faults: every job runs once to success, no overlap, no orphans, capacity returns`, async () => {
    const seed = faultSeed();
    const faults = plan(seed);
    console.log(
      `[faults] seed ${seed} (replay: QUANTA_FAULT_SEED=${seed}); plan: ${faults.map((f) => f.kind).join(', ')}`,
    );
    const dir = newSubmitDir('faults');
    const jobs = workflow(dir, prng(seed ^ 0x5bd1e995));
    mkdirSync(join(dir, 'markers'));
    mkdirSync(join(dir, 'locks'));
    writeFileSync(join(dir, 'workflow.json'), JSON.stringify({ name: 'faults', jobs }));
    const script = writeScript({ jobName: 'quanta-faults', nodes: 3, exclusive: true, time: '10' }, dir, {
      env: {
        QUANTA_PILOT_HEARTBEAT_MS: String(HB_MS),
        QUANTA_PILOT_HEARTBEAT_TIMEOUT_MS: String(HB_TIMEOUT_MS),
        QUANTA_PILOT_RELAUNCH_DELAY_MS: '500',
        QUANTA_PILOT_MAX_RELAUNCHES: '20',
        QUANTA_MANAGER_RESTARTS: String(MAX_MANAGER_KILLS + 2),
      },
      argv: [process.execPath, quantaJs, 'restore', dir, '--executor', 'pilot'],
    });
    const first = await submitSbatch(script, { env, cwd: dir });
    recordSubmission(dir, { jobId: first, kind: 'initial' }, 3);

    // follow the run through its allocations (a successor only if this one ended without finishing)
    const allocations: { jobId: string; state: string }[] = [];
    let ended = false;
    const finished = (async () => {
      let id: string | undefined = first;
      while (id && allocations.length < 3) {
        const state = await waitForJob(env, id, 420_000);
        allocations.push({ jobId: id, state });
        const done: string = id;
        id = readJobsRecord(dir).jobs.find((j) => j.after === done && !j.cancelledAt)?.jobId;
      }
    })().finally(() => (ended = true));
    finished.catch(() => undefined); // awaited below; a failure before that must not go unhandled
    // a test that fails half-way must not leave its allocation holding the shared cluster
    const cancelRun = () => {
      if (ended) return;
      const ids = new Set([first, ...readJobsRecord(dir).jobs.map((x) => x.jobId)]);
      spawnSync('scancel', [...ids], { env });
    };
    onTestFailed(cancelRun);

    const t0 = Date.now();
    const say = (s: string) => console.log(`[faults +${secs(Date.now() - t0)}] ${s}`);
    const frozen = new Set<number>();
    const downSlurmds = new Map<string, SlurmdHandle>();
    const done: { kind: Kind; effect: string }[] = [];
    let lastFaultEnd = 0;
    let capacityBackAfterMs: number | undefined;

    const lostLine = (node: string, pid: number, after: number) =>
      [...pilotLog(dir)].find(
        (l) =>
          String(l.msg).startsWith('worker lost') &&
          String(l.workerId).startsWith(`${node}-${pid}`) &&
          Number(l.time) >= after,
      ) as LogLine | undefined;
    const joinedLine = (node: string, after: number, workerIdPrefix = '') =>
      (pilotLog(dir) as LogLine[]).find(
        (l) =>
          l.msg === 'worker joined' &&
          l.node === node &&
          Number(l.time) > after &&
          String(l.workerId).startsWith(workerIdPrefix),
      );

    const pickWorker = async (pick: number) => {
      const ws = await until(() => {
        const live = workerProcs(dir).filter((w) => w.state !== 'T' && !frozen.has(w.pid));
        return live.length > 0 && live.sort((a, b) => a.node.localeCompare(b.node));
      }, 30_000);
      return ws ? ws[Math.floor(pick * ws.length)] : undefined;
    };

    const workerKill = async (f: PlannedFault): Promise<string> => {
      const w = await pickWorker(f.pick);
      if (!w) return 'no live worker within 30 s: skipped';
      const t = Date.now();
      process.kill(w.pid, 'SIGKILL');
      const lost = await until(() => lostLine(w.node, w.pid, t - 50), 10_000);
      const back = await until(() => joinedLine(w.node, t), 30_000);
      return (
        `kill -9 of worker ${w.pid} on ${w.node}: ` +
        (lost
          ? `lost after ${secs(Number(lost.time) - t)} holding ${String(lost.jobs)} job(s); `
          : 'no loss seen; ') +
        (back
          ? `${String(back.workerId)} joined on ${w.node} after ${secs(Number(back.time) - t)}`
          : `no worker joined on ${w.node} within 30 s`)
      );
    };

    const stopWorker = async (f: PlannedFault): Promise<string> => {
      const w = await pickWorker(f.pick);
      if (!w) return 'no live worker within 30 s: skipped';
      const t = Date.now();
      frozen.add(w.pid);
      process.kill(w.pid, 'SIGSTOP');
      try {
        await sleep(f.durMs);
      } finally {
        process.kill(w.pid, 'SIGCONT');
        frozen.delete(w.pid);
      }
      const healed = Date.now();
      const lost = await until(() => lostLine(w.node, w.pid, t), 1500);
      const what = `SIGSTOP of worker ${w.pid} on ${w.node} for ${secs(healed - t)}, then SIGCONT: `;
      if (!lost) return `${what}kept its session (within the ${secs(HB_TIMEOUT_MS)} heartbeat timeout)`;
      const back = await until(() => joinedLine(w.node, Number(lost.time)), 30_000);
      return (
        `${what}fenced after ${secs(Number(lost.time) - t)} (${String(lost.msg)}; ${String(lost.jobs)} job(s) re-queued); ` +
        (back
          ? `${String(back.workerId)} joined after ${secs(Number(back.time) - healed)} from the heal`
          : `no worker joined on ${w.node} within 30 s of the heal`)
      );
    };

    const slurmdKill = async (f: PlannedFault): Promise<string> => {
      const node = NODES[Math.floor(f.pick * NODES.length)];
      const pidFile = join(slurmDir, 'run', `slurmd-${node}.pid`);
      const pid = alivePid(pidFile);
      if (!pid) return `slurmd of ${node} is not running: skipped`;
      const h: SlurmdHandle = { node, conf, pidFile, netns: netnsPathOf(pid) };
      const started = slurmdStartTime(env, node);
      const t = Date.now();
      process.kill(pid, 'SIGKILL');
      downSlurmds.set(node, h);
      await sleep(f.durMs);
      startSlurmd(h);
      const back = await until(() => {
        const p = alivePid(pidFile);
        return p && p !== pid && slurmdStartTime(env, node) !== started && p;
      }, 30_000);
      if (back) downSlurmds.delete(node);
      return back
        ? `kill -9 of slurmd ${pid} (${node}); started again after ${secs(f.durMs)}: pid ${back}, registered ${secs(Date.now() - t)} after the kill`
        : `kill -9 of slurmd ${pid} (${node}); NOT back within 30 s of its restart`;
    };

    const managerKill = async (): Promise<string> => {
      const pids = await until(() => {
        const m = managerProcs(dir);
        return m.length === 1 && m;
      }, 30_000);
      if (!pids) return 'no single manager process within 30 s: skipped';
      const t = Date.now();
      process.kill(pids[0], 'SIGKILL');
      const up = await until(() => {
        const l = currentManagerLines(dir)[0];
        return l && Number(l.time) > t && l;
      }, 30_000);
      if (!up) return `kill -9 of manager ${pids[0]}: no new manager within 30 s`;
      const all = await until(() => connected(dir).size === NODES.length, 60_000);
      return (
        `kill -9 of manager ${pids[0]}: restored in the allocation after ${secs(Number(up.time) - t)} (pid ${String(up.pid)}); ` +
        (all
          ? `3 workers joined it after ${secs(Date.now() - t)}`
          : `only ${connected(dir).size} workers within 60 s`)
      );
    };

    try {
      const started = await until(() => connected(dir).size === NODES.length || ended, 180_000);
      expect(started && !ended, `the run did not start on 3 nodes\n${jobOutput(dir, first)}`).toBe(true);
      say(`3 workers joined: ${[...connected(dir).entries()].map(([w, n]) => `${w}@${n}`).join(', ')}`);
      for (const [i, f] of faults.entries()) {
        await sleep(f.gapMs);
        if (ended) break;
        const effect =
          f.kind === 'worker-kill'
            ? await workerKill(f)
            : f.kind === 'freeze' || f.kind === 'cut'
              ? await stopWorker(f)
              : f.kind === 'slurmd-kill'
                ? await slurmdKill(f)
                : await managerKill();
        lastFaultEnd = Date.now();
        done.push({ kind: f.kind, effect });
        say(`fault ${i + 1}/${faults.length} ${f.kind}: ${effect}`);
      }
      const back = await until(() => connected(dir).size === NODES.length || ended, 60_000);
      capacityBackAfterMs = back && !ended ? Date.now() - lastFaultEnd : undefined;
      say(
        capacityBackAfterMs !== undefined
          ? `after the last fault, workers on all 3 nodes again after ${secs(capacityBackAfterMs)}; opening the gate`
          : `after the last fault, workers on ${[...new Set(connected(dir).values())].join(',')} only; opening the gate`,
      );
    } finally {
      writeFileSync(join(dir, 'faults-done'), '');
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      for (const h of downSlurmds.values()) if (!alivePid(h.pidFile)) startSlurmd(h);
    }
    await finished;
    say(`allocations: ${allocations.map((a) => `${a.jobId} ${a.state}`).join(', ')}`);

    // the faults happened, each kind at least once
    expect(done.length, `faults injected before the run ended (seed ${seed})`).toBeGreaterThanOrEqual(20);
    expect(new Set(done.map((d) => d.kind))).toEqual(new Set(KINDS));
    expect(done.filter((d) => d.effect.includes('skipped'))).toEqual([]);
    expect(allocations.at(-1)?.state, jobOutput(dir, allocations.at(-1)?.jobId ?? first)).toBe('COMPLETED');

    // every job ran to success once; no re-run of a finished job; no two copies at once
    const j = openJournalReadOnly(dir);
    const rows = (() => {
      try {
        return j.jobs();
      } finally {
        j.close();
      }
    })();
    expect(rows).toHaveLength(jobs.length);
    const violations = markerViolations(rows, readMarks(join(dir, 'markers')));
    expect(violations, `seed ${seed}:\n${violations.slice(0, 20).join('\n')}`).toEqual([]);
    say(
      `${rows.length} jobs succeeded; ${rows.filter((r) => r.attempt > 1).length} needed more than one attempt (max ${Math.max(...rows.map((r) => r.attempt))})`,
    );

    // capacity returned: after the last fault, jobs ran on all three nodes again
    expect(capacityBackAfterMs, 'workers on all 3 nodes within 60 s of the last fault').toBeDefined();
    const late = new Set(rows.filter((r) => Number(r.started_at) > lastFaultEnd).map((r) => r.node));
    expect([...late].sort()).toEqual(NODES);

    // nothing of the run is left on any node a few seconds after the end
    const ids = readJobsRecord(dir).jobs.map((x) => x.jobId);
    const left = await until(() => {
      const l = leftovers(dir, TAG_VAR, basename(dir), ids);
      return l.length === 0 && l;
    }, 10_000);
    expect(left ? [] : leftovers(dir, TAG_VAR, basename(dir), ids)).toEqual([]);
  }, 480_000);
});
