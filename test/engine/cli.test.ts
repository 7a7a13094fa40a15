import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { job, quantaBin, tempDir, waitFor } from './helpers.js';

function quanta(args: string[]) {
  return spawnSync(process.execPath, [quantaBin(), ...args], { encoding: 'utf8' });
}

describe('run commands', () => {
  it('run-workflow exits 0 on success and 1 on failure; status and report speak JSON', () => {
    const dir = tempDir('cli');
    writeFileSync(
      join(dir, 'ok.json'),
      JSON.stringify({ name: 'ok', jobs: [job(dir, 'a', 'x'), job(dir, 'b', 'y', { needs: ['a'] })] }),
    );
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ name: 'bad', jobs: [job(dir, 'c', 'x', { fail: true })] }),
    );
    const ok = quanta(['run-workflow', join(dir, 'ok.json'), '--submit-dir', join(dir, 's1'), '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).totals.succeeded).toBe(2);
    const bad = quanta(['run-workflow', join(dir, 'bad.json'), '--submit-dir', join(dir, 's2')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('quanta report');
    const st = JSON.parse(quanta(['status', join(dir, 's2'), '--json']).stdout);
    expect(st.totals.failed).toBe(1);
    expect(st.labels[0].label).toBe('x');
    const rep = JSON.parse(quanta(['report', join(dir, 's2'), '--json']).stdout);
    expect(rep.failures[0].logTail).toContain('failing on purpose');
    const text = quanta(['status', join(dir, 's1')]).stdout;
    expect(text).toMatch(/TOTAL\s+0\s+0\s+0\s+2\s+0\s+0\s+0\s+2/);
    const again = quanta(['run-workflow', join(dir, 'ok.json'), '--submit-dir', join(dir, 's1')]);
    expect(again.status).toBe(4); // RUN_EXISTS: a conflict
    expect(again.stderr).toContain('already holds a run');
  });

  it('exits 2 with the file and key on an invalid workflow', () => {
    const dir = tempDir('cli-bad');
    writeFileSync(
      join(dir, 'w.json'),
      JSON.stringify({ jobs: [{ id: 'a', label: 'x', argv: ['true'], needs: ['ghost'] }] }),
    );
    const r = quanta(['run-workflow', join(dir, 'w.json'), '--submit-dir', join(dir, 's')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('needs ghost, which is not a job');
    expect(r.stderr).toContain('w.json');
  });

  it('refuses a second manager, shows status during the run, and cancel stops the run', async () => {
    const dir = tempDir('cli-cancel');
    const jobs = Array.from({ length: 6 }, (_, i) => job(dir, `s${i}`, 's', { sleep: 30_000 }));
    writeFileSync(join(dir, 'w.json'), JSON.stringify({ name: 'long', jobs }));
    const sd = join(dir, 'sd');
    const mgr = spawn(
      process.execPath,
      [quantaBin(), 'run-workflow', join(dir, 'w.json'), '--submit-dir', sd, '--cores', '2'],
      {
        stdio: 'ignore',
      },
    );
    const exited = new Promise<number | null>((r) => mgr.once('exit', (c) => r(c)));
    await waitFor(() => {
      const s = quanta(['status', sd, '--json']);
      return s.status === 0 && JSON.parse(s.stdout).totals.running === 2;
    });
    const st = JSON.parse(quanta(['status', sd, '--json']).stdout);
    expect(st.manager.pid).toBe(mgr.pid);
    const second = quanta(['restore', sd]);
    expect(second.status).toBe(4); // LEASE_HELD: a conflict
    expect(second.stderr).toContain(`managed by process ${mgr.pid}`);
    const c = quanta(['cancel', sd, '--json']);
    expect(c.status, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).via).toBe('manager');
    expect(await exited).toBe(1);
    const after = JSON.parse(quanta(['status', sd, '--json']).stdout);
    expect(after.totals.cancelled).toBe(6);
    expect(after.manager).toBeUndefined();
  });
});
