import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JobRunner } from '../../src/executors/job-runner.js';
import { findProcessesWithEnv, parentOf } from '../../src/executors/proc-tree.js';
import { SpawnerPool } from '../../src/executors/spawner-pool.js';
import { SPAWNERS, useSpawner } from '../helpers/spawners.js';
import { running, tempDir, waitFor } from './helpers.js';

describe.each(SPAWNERS)('SpawnerPool (%s spawner)', (spawner) => {
  useSpawner(spawner);
  it("gives each job the pool's environment plus its own, and its exit code", async () => {
    const dir = tempDir('sp-env');
    const pool = new SpawnerPool(2, { QUANTA_RUN_ID: 'run-17' });
    const log = join(dir, 'logs', 'a.log'); // the directory does not exist yet: the spawner makes it
    const r = await pool.run(
      {
        argv: [
          process.execPath,
          '-e',
          'console.log(process.env.QUANTA_RUN_ID, process.env.JOB_VAR, process.cwd()); process.exit(3)',
        ],
        env: { JOB_VAR: 'v1' },
        cwd: dir,
        logPath: log,
      },
      () => undefined,
    );
    await pool.shutdown();
    expect(r).toEqual({ exitCode: 3, signal: null });
    expect(readFileSync(log, 'utf8').trim()).toBe(`run-17 v1 ${dir}`);
  });

  it('spreads concurrent jobs over its spawners, and reuses them', async () => {
    const dir = tempDir('sp-spread');
    const pool = new SpawnerPool(2, {});
    const parents: (number | undefined)[] = [];
    // each job lives long enough for /proc to be read when its start is reported, even on a busy CI host
    const job = () =>
      pool.run({ argv: ['sleep', '1'], env: {}, logPath: join(dir, 'x.log') }, (pid) =>
        parents.push(parentOf(pid)),
      );
    await Promise.all([job(), job(), job(), job()]);
    await job();
    await pool.shutdown();
    expect(parents).toHaveLength(5);
    expect(new Set(parents).size).toBe(2);
    expect(parents).not.toContain(process.pid);
    expect(parents).not.toContain(undefined);
  });

  it('fails the jobs of a spawner that dies, kills them, and starts a fresh spawner', async () => {
    const dir = tempDir('sp-death');
    const pool = new SpawnerPool(1, {});
    let jobPid = 0;
    const p = pool.run({ argv: ['sleep', '30'], env: {}, logPath: join(dir, 'x.log') }, (pid) => {
      jobPid = pid;
    });
    await waitFor(() => jobPid > 0, 5000);
    const spawner = parentOf(jobPid);
    expect(spawner).toBeGreaterThan(1);
    process.kill(spawner as number, 'SIGKILL');
    const r = await p;
    expect(r.exitCode).toBeNull();
    expect(r.message).toMatch(/spawner process exited \(SIGKILL\) while the job ran/);
    await waitFor(() => !running(jobPid), 5000);
    let next: number | undefined;
    const again = await pool.run({ argv: ['sleep', '1'], env: {}, logPath: join(dir, 'y.log') }, (pid) => {
      next = parentOf(pid);
    });
    await pool.shutdown();
    expect(again).toEqual({ exitCode: 0, signal: null });
    expect(next).not.toBe(spawner);
  });

  it('does not keep an idle manager alive, and its spawners leave with the manager', () => {
    const dir = tempDir('sp-idle');
    const script = join(dir, 'idle.mts');
    // no shutdown(): the process must still end by itself once its one job is done
    writeFileSync(
      script,
      `import { parentOf } from ${JSON.stringify(resolve('src/executors/proc-tree.ts'))};
import { SpawnerPool } from ${JSON.stringify(resolve('src/executors/spawner-pool.ts'))};
const pool = new SpawnerPool(2, {});
let spawner = 0;
const r = await pool.run({ argv: ['sleep', '1'], env: {}, logPath: ${JSON.stringify(join(dir, 'x.log'))} }, (pid) => {
  spawner = parentOf(pid) ?? 0;
});
console.log(JSON.stringify({ ...r, spawner }));
`,
    );
    const out = spawnSync(process.execPath, ['--import', 'tsx', script], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(out.error).toBeUndefined(); // no timeout: nothing held the event loop
    expect(out.status, out.stderr).toBe(0);
    const r = JSON.parse(out.stdout) as { exitCode: number; spawner: number };
    expect(r.exitCode).toBe(0);
    expect(r.spawner).toBeGreaterThan(0);
    // the spawner saw its IPC channel close and exited
    return waitFor(() => !running(r.spawner), 5000);
  });
  it('leaves no job behind when shut down with a start still on its way', async () => {
    const dir = tempDir('sp-shutdown');
    const tag = `shutdown-${process.pid}-${Date.now()}`;
    const pool = new SpawnerPool(1, { QUANTA_TEST_TAG: tag });
    // a spawner already up, so that the start reaches it before the channel closes
    await pool.run({ argv: ['true'], env: {}, logPath: join(dir, 'w.log') }, () => undefined);
    const p = pool.run({ argv: ['sleep', '30'], env: {}, logPath: join(dir, 'x.log') }, () => undefined);
    await pool.shutdown();
    const r = await p;
    expect(r.exitCode).toBeNull();
    expect(r.message).toBe('killed: the job runner shut down');
    await waitFor(() => findProcessesWithEnv('QUANTA_TEST_TAG', tag).length === 0, 5000);
  });

  it('kills the jobs it started when its manager is killed', async () => {
    const dir = tempDir('sp-crash');
    const script = join(dir, 'crash.mts');
    writeFileSync(
      script,
      `import { SpawnerPool } from ${JSON.stringify(resolve('src/executors/spawner-pool.ts'))};
const pool = new SpawnerPool(2, {});
void pool.run({ argv: ['sleep', '30'], env: {}, logPath: ${JSON.stringify(join(dir, 'x.log'))} }, (pid) => {
  process.stdout.write(pid + '\\n');
});
`,
    );
    const manager = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const jobPid = await new Promise<number>((done, fail) => {
      let out = '';
      manager.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('\n')) done(Number(out.trim()));
      });
      manager.once('exit', (code) => fail(new Error(`manager exited early (${code})`)));
    });
    expect(running(jobPid)).toBe(true);
    manager.kill('SIGKILL');
    await waitFor(() => !running(jobPid), 5000);
  });
});

describe.each(SPAWNERS)('JobRunner with spawners (%s spawner)', (spawner) => {
  useSpawner(spawner);
  it('cancels a job killed before its spawner reported it started', async () => {
    const dir = tempDir('sp-early-kill');
    const r = new JobRunner();
    const job = {
      id: 'early',
      label: 'l',
      attempt: 1,
      payload: { kind: 'command' as const, argv: ['sleep', '30'] },
      memoryMB: 1000,
      cpus: 1,
      enforceMemory: false,
      logPath: join(dir, 'logs', 'early.log'),
    };
    const t0 = Date.now();
    const p = r.run(job, { id: 'w', node: 'n' });
    r.kill('early'); // synchronously: the request is still on its way to the spawner
    const res = await p;
    await r.shutdown();
    expect(res.outcome).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
