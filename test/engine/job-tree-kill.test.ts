/**
 * A job leaves no process behind: not in its process group, not in a new session (`setsid`), not
 * as a double-forked daemon, whether the job ends by itself, is cancelled, times out or the runner
 * shuts down (the run ends). Real processes, found by the pids they write.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DispatchJob } from '../../src/engine/executor.js';
import { JobRunner } from '../../src/executors/job-runner.js';
import { quantaBin, running, tempDir, waitFor } from './helpers.js';
import { SPAWNERS, useSpawner } from '../helpers/spawners.js';

const W = { id: 'w1', node: 'n1' };

function cmd(dir: string, id: string, argv: string[], extra: Partial<DispatchJob> = {}): DispatchJob {
  return {
    id,
    label: 'l',
    attempt: 1,
    payload: { kind: 'command', argv },
    memoryMB: 1000,
    cpus: 1,
    enforceMemory: true,
    logPath: join(dir, 'logs', `${id}.log`),
    ...extra,
  };
}

/** Pids the test saw, killed afterwards whatever happened (a failing test leaves nothing either). */
const seen: number[] = [];
afterEach(() => {
  for (const pid of seen.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone, as it should be
    }
  }
});

async function pidFrom(file: string): Promise<number> {
  await waitFor(() => existsSync(file) && readFileSync(file, 'utf8').trim() !== '', 10_000);
  const pid = Number(readFileSync(file, 'utf8').trim());
  seen.push(pid);
  return pid;
}

/** Not running within `ms` (SIGKILL is delivered at once; init may take a moment to reap). */
async function gone(pid: number, ms = 2000): Promise<boolean> {
  try {
    await waitFor(() => !running(pid), ms);
    return true;
  } catch {
    return false;
  }
}

/** `sh -c`: start `sleep 300` in a new session, write its pid, then `rest`. */
function setsidSleep(pidFile: string, rest = ''): string[] {
  return ['/bin/sh', '-c', `setsid sleep 300 & echo $! > ${pidFile}; ${rest}`];
}

/** A double-fork daemon: the job's child calls setsid and forks the daemon, then exits; so does the job. */
function doubleFork(pidFile: string): string[] {
  const daemon = 'setTimeout(() => {}, 300000)';
  const middle = `const { spawn } = require('node:child_process');
const d = spawn(process.execPath, ['-e', ${JSON.stringify(daemon)}], { detached: true, stdio: 'ignore' });
require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(d.pid));
d.unref(); process.exit(0);`;
  const job = `const { spawn } = require('node:child_process');
const m = spawn(process.execPath, ['-e', ${JSON.stringify(middle)}], { detached: true, stdio: 'ignore' });
m.on('exit', () => process.exit(0));`;
  return [process.execPath, '-e', job];
}

describe.each(SPAWNERS)('JobRunner kills the whole process tree of a job (%s spawner)', (spawner) => {
  useSpawner(spawner);
  it('leaves no setsid child once the job ends by itself', async () => {
    const dir = tempDir('tree-end');
    const pidFile = join(dir, 'sleep.pid');
    const r = new JobRunner({ sampleIntervalMs: 60_000 }); // not sampled: found at the end alone
    try {
      // the job waits until sleep is in its own session, so that its group's kill cannot reach it
      const res = await r.run(cmd(dir, 'end', setsidSleep(pidFile, 'sleep 0.3')), W);
      expect(res.outcome).toBe('succeeded');
      expect(await gone(await pidFrom(pidFile))).toBe(true);
    } finally {
      await r.shutdown();
    }
  });

  it('leaves no double-forked daemon once the job ends by itself', async () => {
    const dir = tempDir('tree-daemon');
    const pidFile = join(dir, 'daemon.pid');
    const r = new JobRunner({ sampleIntervalMs: 60_000 });
    try {
      const res = await r.run(cmd(dir, 'daemon', doubleFork(pidFile)), W);
      expect(res.outcome).toBe('succeeded');
      expect(await gone(await pidFrom(pidFile))).toBe(true);
    } finally {
      await r.shutdown();
    }
  });

  it('kills a setsid child when the job is cancelled', async () => {
    const dir = tempDir('tree-cancel');
    const pidFile = join(dir, 'sleep.pid');
    const r = new JobRunner({ killGraceMs: 300 });
    try {
      const p = r.run(cmd(dir, 'c', setsidSleep(pidFile, 'sleep 30')), W);
      const pid = await pidFrom(pidFile);
      expect(running(pid)).toBe(true);
      r.kill('c');
      expect((await p).outcome).toBe('cancelled');
      expect(await gone(pid)).toBe(true);
    } finally {
      await r.shutdown();
    }
  });

  it('kills a setsid child when the job times out', async () => {
    const dir = tempDir('tree-timeout');
    const pidFile = join(dir, 'sleep.pid');
    const r = new JobRunner({ killGraceMs: 300 });
    try {
      const res = await r.run(cmd(dir, 't', setsidSleep(pidFile, 'sleep 30'), { timeoutSec: 0.5 }), W);
      expect(res.outcome).toBe('timeout');
      expect(await gone(await pidFrom(pidFile))).toBe(true);
    } finally {
      await r.shutdown();
    }
  });

  it('kills an orphaned setsid grandchild when the runner shuts down (the run ends)', async () => {
    const dir = tempDir('tree-shutdown');
    const pidFile = join(dir, 'sleep.pid');
    const r = new JobRunner();
    // the subshell that started sleep exits at once: sleep is reparented to init, in its own session
    const p = r.run(
      cmd(dir, 's', ['/bin/sh', '-c', `(setsid sleep 300 & echo $! > ${pidFile}); sleep 30`]),
      W,
    );
    const pid = await pidFrom(pidFile);
    await waitFor(() => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1] !== '0');
    expect(running(pid)).toBe(true);
    await r.shutdown();
    expect((await p).outcome).toBe('cancelled');
    expect(await gone(pid)).toBe(true);
  });

  it('kills a child that cleared its environment and left the group, seen while the job ran', async () => {
    const dir = tempDir('tree-noenv');
    const pidFile = join(dir, 'sleep.pid');
    const r = new JobRunner({ sampleIntervalMs: 50 });
    try {
      // env -i: the child carries none of the job's variables; the job lives on long enough to be sampled
      const argv = ['/bin/sh', '-c', `env -i setsid sleep 300 & echo $! > ${pidFile}; sleep 0.6`];
      const res = await r.run(cmd(dir, 'n', argv), W);
      expect(res.outcome).toBe('succeeded');
      expect(await gone(await pidFrom(pidFile))).toBe(true);
    } finally {
      await r.shutdown();
    }
  });

  it('kills an orphaned setsid grandchild when the manager is killed with -9', async () => {
    const dir = tempDir('tree-crash');
    const pidFile = join(dir, 'sleep.pid');
    const argv = ['/bin/sh', '-c', `(setsid sleep 300 & echo $! > ${pidFile}); sleep 30`];
    const wf = { name: 'tree-crash', jobs: [{ id: 'j', label: 'l', argv, requestMemory: 100, needs: [] }] };
    writeFileSync(join(dir, 'wf.json'), JSON.stringify(wf));
    const manager = spawn(
      process.execPath,
      [quantaBin(), 'run-workflow', join(dir, 'wf.json'), '--submit-dir', join(dir, 'sd'), '--cores', '1'],
      { stdio: 'ignore' },
    );
    const exited = new Promise<void>((r) => manager.once('exit', () => r()));
    try {
      const pid = await pidFrom(pidFile);
      expect(running(pid)).toBe(true);
      manager.kill('SIGKILL');
      await exited;
      // the spawner sees its channel close and kills the trees of its jobs
      expect(await gone(pid, 5000)).toBe(true);
    } finally {
      manager.kill('SIGKILL');
    }
  }, 60_000);
});
