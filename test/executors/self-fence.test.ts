/**
 * Self-fencing (issue 16 item 2; src/executors/parent-lease.ts): when the process that owns a
 * JobRunner is frozen (SIGSTOP), its spawner and warm task processes, which run on, kill the jobs
 * once the lease lapses, while it is still frozen, and the jobs end `lost` with a message that
 * says why: a pilot manager that re-dispatches them later never has two copies running.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { JobResult } from '../../src/engine/executor.js';
import { JobRunner } from '../../src/executors/job-runner.js';
import { fenceTimings } from '../../src/executors/pilot/worker-session.js';
import { running, tempDir } from '../engine/helpers.js';
import { SPAWNERS, useSpawner } from '../helpers/spawners.js';

const CHILD = resolve('test/executors/fixtures/fence-child.ts');

function slowTask(dir: string): void {
  const defineTask = resolve('src/task/define-task.ts');
  writeFileSync(
    join(dir, 'slow.mts'),
    `import { writeFileSync } from 'node:fs';\nimport { defineTask } from ${JSON.stringify(defineTask)};\n` +
      `export const slow = defineTask({ name: 'Slow', dimensions: [], connections: { outputs: {} }, run: async () => {\n` +
      `  writeFileSync(${JSON.stringify(join(dir, 'task.pid'))}, String(process.pid));\n` +
      `  await new Promise((r) => setTimeout(r, 30000));\n  return {};\n} });\n`,
  );
}

async function until(probe: () => boolean, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (!probe()) {
    if (Date.now() - t0 > ms) return false;
    await sleep(50);
  }
  return true;
}

describe.each(SPAWNERS)('self-fencing under a lease (%s spawner)', (spawner) => {
  useSpawner(spawner);
  it('kills the jobs of a frozen owner before it wakes, and reports them lost, not failed', async () => {
    const dir = tempDir('fence');
    slowTask(dir);
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, '400'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    const pidOf = (f: string) => (existsSync(join(dir, f)) ? Number(readFileSync(join(dir, f), 'utf8')) : 0);
    expect(await until(() => pidOf('cmd.pid') > 0 && pidOf('task.pid') > 0, 30_000), err).toBe(true);
    const [cmdPid, taskPid] = [pidOf('cmd.pid'), pidOf('task.pid')];
    // both ran for longer than the lease while the owner renewed it
    await sleep(1000);
    expect([running(cmdPid), running(taskPid)]).toEqual([true, true]);

    process.kill(child.pid as number, 'SIGSTOP');
    try {
      // lease 400 ms, acted on within 1.25 leases of the last renewal: both gone while frozen
      expect(await until(() => !running(cmdPid) && !running(taskPid), 5000)).toBe(true);
    } finally {
      process.kill(child.pid as number, 'SIGCONT');
    }
    expect(await exited, err).toBe(0);
    const results = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JobResult);
    expect(results.map((r) => [r.id, r.outcome])).toEqual([
      ['cmd', 'lost'],
      ['task', 'lost'],
    ]);
    for (const r of results)
      expect(r.message).toMatch(/^fenced: its worker stopped renewing the lease for \d/);
    expect(readFileSync(join(dir, 'logs', 'task.log'), 'utf8')).toContain('quanta: fenced:');
  }, 60_000);

  it('does not fire while the owner renews: a job longer than the lease succeeds', async () => {
    const dir = tempDir('fence-ok');
    const r = new JobRunner();
    r.setLease(150);
    const res = await r.run(
      {
        id: 'long',
        label: 'l',
        attempt: 1,
        payload: { kind: 'command', argv: ['/bin/sh', '-c', 'sleep 1'] },
        memoryMB: 100,
        cpus: 1,
        enforceMemory: false,
        logPath: join(dir, 'long.log'),
      },
      { id: 'w', node: 'n' },
    );
    await r.shutdown();
    expect(res.outcome).toBe('succeeded');
  });

  it('sets the worker limits inside the manager timeout', () => {
    for (const [hb, timeout] of [
      [2000, 20_000],
      [500, 4000],
      [200, 1000],
      [500, 3000],
      [1000, 2000],
    ]) {
      const { leaseMs, silenceMs } = fenceTimings(hb, timeout);
      // the lapse is acted on within 1.25 leases; the manager gives up no sooner than timeout - hb
      expect(1.25 * leaseMs).toBeLessThan(timeout - hb);
      expect(silenceMs).toBeLessThan(timeout);
      expect(silenceMs).toBeGreaterThanOrEqual(Math.min(2 * hb, leaseMs));
    }
    expect(fenceTimings(2000, 20_000)).toEqual({ leaseMs: 10_000, silenceMs: 10_000 });
  });
});
