/**
 * Runs you can find: `quanta runs ROOT` lists every run under a submit root, and `quanta status
 * DIR --label/--state` lists a run's jobs with data ID, node, attempts, duration and log.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../engine/helpers.js';
import { quanta, runToEnd, shellWorkflow } from './fixture.js';

describe('quanta runs', () => {
  it('lists finished, failed and prepared runs under a root, oldest first', () => {
    const root = join(tempDir('runs-root'), 'submit');
    const failed = runToEnd('runs-failed');
    const ok = runToEnd('runs-ok', { name: 'fine', jobs: [{ id: 'a', label: 'a', argv: ['true'] }] });
    mkdirSync(join(root, 'u', 'me'), { recursive: true });
    renameSync(failed.submitDir, join(root, 'u', 'me', 'first'));
    renameSync(ok.submitDir, join(root, 'u', 'me', 'second'));
    const prepared = join(root, 'u', 'me', 'third');
    mkdirSync(prepared);
    writeFileSync(join(prepared, 'workflow.json'), JSON.stringify(shellWorkflow()));

    const r = quanta(['runs', root, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const l = JSON.parse(r.stdout);
    expect(l.runs.map((x: { path: string; state: string }) => [x.path, x.state])).toEqual([
      ['u/me/first', 'failed'],
      ['u/me/second', 'succeeded'],
      ['u/me/third', 'prepared'],
    ]);
    expect(l.runs[0]).toMatchObject({
      name: 'monitor-test',
      totals: { succeeded: 8, failed: 1, blocked: 1, total: 10 },
    });
    expect(Date.parse(l.runs[0].startedAt)).toBeLessThanOrEqual(Date.parse(l.runs[1].startedAt));
    expect(l.runs[2]).toMatchObject({ startedAt: null, totals: { pending: 10 } });
    // the journals are read, not taken: no manager, and the prepared run gets none
    expect(l.runs.every((x: { manager: unknown }) => x.manager === null)).toBe(true);
    expect(existsSync(join(prepared, 'journal.sqlite3'))).toBe(false);

    const text = quanta(['runs', root]).stdout.split('\n');
    expect(text[1]).toMatch(
      /^run\s+name\s+state\s+succeeded\s+failed\s+blocked\s+cancelled\s+left\s+total\s+started\s+manager$/,
    );
    expect(text[2]).toMatch(
      /^u\/me\/first\s+monitor-test\s+failed\s+8\s+1\s+1\s+0\s+0\s+10\s+\d{4}-\d\d-\d\dT/,
    );
    expect(text[4]).toMatch(/^u\/me\/third\s+monitor-test\s+prepared\s+0\s+0\s+0\s+0\s+10\s+10\s+-\s+-$/);
  }, 60_000);

  it('says when there is no run, and when the root is not a directory', () => {
    const root = tempDir('runs-empty');
    const r = quanta(['runs', root]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`no runs under ${root}\n`);
    const missing = quanta(['runs', join(root, 'nope')]);
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/\[NO_SUBMIT_ROOT\] .*nope is not a directory/);
  });
});

describe('quanta status --label/--state', () => {
  it('lists the failed job with its node, attempts, duration and log; filters combine', () => {
    const { submitDir } = runToEnd('status-filter');
    const r = quanta(['status', submitDir, '--state', 'failed', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t).toMatchObject({ states: ['failed'], labels: [], matched: 1 });
    const f = t.jobs[0];
    expect(f).toMatchObject({ id: 'calibrate.2', label: 'calibrate', state: 'failed', attempts: 2 });
    expect(typeof f.node).toBe('string');
    expect(f.durationSec).toBeGreaterThan(0);
    expect(existsSync(f.logPath)).toBe(true);
    expect(dirname(f.logPath).startsWith(submitDir)).toBe(true);

    const both = JSON.parse(
      quanta(['status', submitDir, '--label', 'isr,coadd', '--state', 'succeeded', '--json']).stdout,
    );
    expect(both.jobs.map((j: { id: string }) => j.id)).toEqual([
      'isr.0',
      'isr.1',
      'isr.2',
      'isr.3',
      'coadd.other',
    ]);
    const blocked = JSON.parse(
      quanta(['status', submitDir, '--label', 'coadd', '--state', 'blocked', '--json']).stdout,
    );
    expect(blocked.jobs.map((j: { id: string }) => j.id)).toEqual(['coadd']);
    expect(blocked.jobs[0]).toMatchObject({ attempts: 0, durationSec: null, logPath: null, dataId: null });

    const text = quanta(['status', submitDir, '--state', 'failed']).stdout;
    expect(text).toMatch(/^job\s+label\s+state\s+data ID\s+node\s+attempts\s+failures\s+duration\s+log$/m);
    expect(text).toMatch(
      new RegExp(
        `^calibrate\\.2\\s+calibrate\\s+failed\\s+-\\s+\\S+\\s+2\\s+2\\s+[\\d.]+s\\s+${f.logPath}$`,
        'm',
      ),
    );
    expect(text).toContain('1 job (state failed)');
    const limited = quanta(['status', submitDir, '--label', 'isr', '--limit', '2']).stdout;
    expect(limited).toContain('2 of 4 jobs (label isr); --limit 0 shows all');
  }, 60_000);

  it('refuses an unknown label or state, naming the close one', () => {
    const { submitDir } = runToEnd('status-filter-bad', {
      name: 'x',
      jobs: [{ id: 'a', label: 'calibrate', argv: ['true'] }],
    });
    const l = quanta(['status', submitDir, '--label', 'calibrat']);
    expect(l.status).toBe(2);
    expect(l.stderr).toMatch(
      /\[UNKNOWN_LABEL\] --label: no task label 'calibrat' in this run \(did you mean 'calibrate'\?\)/,
    );
    const s = quanta(['status', submitDir, '--state', 'faild']);
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(
      /\[BAD_OPTION\] --state: 'faild' is not a job state \(did you mean 'failed'\?\)/,
    );
    const w = quanta(['status', submitDir, '--state', 'failed', '--watch']);
    expect(w.status).toBe(2);
  });
});
