import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { JOB_SCRIPT, job, markerCount, quantaBin, tempDir, waitFor } from './helpers.js';

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

  it('run-workflow: an exit code in retryUnlessExit runs once, and a run-always job runs after it', () => {
    const dir = tempDir('cli-unless');
    const exit1 = {
      id: 'pipetask',
      label: 'x',
      argv: [
        process.execPath,
        '-e',
        'require("fs").appendFileSync(process.argv[1], "ran\\n"); process.exit(1)',
        join(dir, 'markers', 'pipetask'),
      ],
      needs: [],
      numberOfRetries: 2,
      retryUnlessExit: [1],
    };
    const final = {
      id: 'final',
      label: 'final',
      argv: [process.execPath, JOB_SCRIPT, '--marker', join(dir, 'markers', 'final')],
      needs: ['pipetask'],
      runWhen: 'always',
    };
    writeFileSync(join(dir, 'w.json'), JSON.stringify({ name: 'unless', jobs: [exit1, final] }));
    const sd = join(dir, 's');
    const r = quanta(['run-workflow', join(dir, 'w.json'), '--submit-dir', sd, '--json']);
    expect(r.status, r.stderr).toBe(1);
    expect(markerCount(dir, 'pipetask')).toBe(1);
    expect(markerCount(dir, 'final')).toBe(1);
    const j = openJournalReadOnly(sd);
    const rows = new Map(j.jobs().map((x) => [x.id, x]));
    j.close();
    expect(rows.get('pipetask')).toMatchObject({ state: 'failed', attempt: 1, exit_code: 1 });
    expect(rows.get('final')?.state).toBe('succeeded');
  });

  it('exits 2 on a misspelt key, suggesting the right one, and on a workflow without jobs', () => {
    const dir = tempDir('cli-strict');
    const jobs = [job(dir, 'a', 'x'), { ...job(dir, 'b', 'x'), needs: undefined, neeeds: ['a'] }];
    writeFileSync(join(dir, 'w.json'), JSON.stringify({ jobs }));
    const r = quanta(['run-workflow', join(dir, 'w.json'), '--submit-dir', join(dir, 's')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('jobs.1.neeeds');
    expect(r.stderr).toContain("did you mean 'needs'");
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(markerCount(dir, 'b')).toBe(0);
    writeFileSync(join(dir, 'empty.json'), JSON.stringify({ name: 'e', jobs: [] }));
    const e = quanta(['run-workflow', join(dir, 'empty.json'), '--submit-dir', join(dir, 's2')]);
    expect(e.status).toBe(2);
    expect(e.stderr).toContain('WORKFLOW_EMPTY');
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
