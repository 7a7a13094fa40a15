/**
 * Progress that tells the truth: a cancelled run is not "100% done"; `restore --labels makeWarp`
 * whose inputs were never made says so and exits non-zero; `status` says a manager is gone when
 * its process died.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressDisplay } from '../../src/engine/progress.js';
import { RunApi } from '../../src/monitor/api.js';
import { quanta, waitFor } from '../monitor/fixture.js';
import { quantaBin, tempDir } from './helpers.js';

/** calibrate.0/1 (sleeping) -> makeWarp.0/1 */
function coaddWorkflow(sleep: number): Record<string, unknown> {
  const sh = (id: string, label: string, script: string, needs: string[] = []) => ({
    id,
    label,
    argv: ['/bin/sh', '-c', script],
    requestMemory: 100,
    requestCpus: 1,
    needs,
  });
  return {
    name: 'truthful',
    jobs: [
      sh('calibrate.0', 'calibrate', `sleep ${sleep}`),
      sh('calibrate.1', 'calibrate', `sleep ${sleep}`),
      sh('makeWarp.0', 'makeWarp', 'true', ['calibrate.0']),
      sh('makeWarp.1', 'makeWarp', 'true', ['calibrate.1']),
    ],
  };
}

/** A run-workflow in its own process group, so a test can kill the manager and its jobs. */
function startManager(dir: string, wf: Record<string, unknown>, extra: string[] = []) {
  writeFileSync(join(dir, 'wf.json'), JSON.stringify(wf));
  const submitDir = join(dir, 'sd');
  const child = spawn(
    process.execPath,
    [quantaBin(), 'run-workflow', join(dir, 'wf.json'), '--submit-dir', submitDir, ...extra],
    { stdio: 'ignore', detached: true },
  );
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { submitDir, child, exited };
}

const running = (submitDir: string) => {
  if (!existsSync(join(submitDir, 'journal.sqlite3'))) return false;
  const r = quanta(['status', submitDir, '--json']);
  return r.status === 0 && JSON.parse(r.stdout).totals.running > 0;
};

describe('truthful progress', () => {
  it('a cancelled run is not done: status, the dashboard phase and the terminal line', async () => {
    const run = startManager(tempDir('cancel-progress'), coaddWorkflow(30), ['--cores', '1']);
    await waitFor(() => running(run.submitDir));
    const c = quanta(['cancel', run.submitDir]);
    expect(c.status, c.stderr).toBe(0);
    expect(await run.exited).toBe(1);
    const s = JSON.parse(quanta(['status', run.submitDir, '--json']).stdout);
    expect(s.totals.cancelled).toBe(4);
    expect(s.progress).toBe(0);
    expect(quanta(['status', run.submitDir]).stdout).toContain('progress: 0.0% done');
    expect(new RunApi(() => run.submitDir).status().phase).toBe('stopped');

    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => (text += b.toString()));
    const d = createProgressDisplay({ tty: false, stream: out as unknown as NodeJS.WriteStream, everyMs: 0 });
    const counts = { pending: 0, ready: 0, running: 0, succeeded: 1, failed: 0, blocked: 0, cancelled: 3 };
    d.update({ labels: [], totals: { ...counts, total: 4 }, elapsedMs: 1000 });
    d.stop();
    expect(text).toContain('1/4 (25.0%)');
  }, 60_000);

  it('restore --labels makeWarp with calibrate not run says so and exits 1', () => {
    const dir = tempDir('labels-unselected');
    const submitDir = join(dir, 'sd');
    // a prepared run: nothing has run yet
    mkdirSync(submitDir);
    writeFileSync(join(submitDir, 'workflow.json'), JSON.stringify(coaddWorkflow(0)));
    const r = quanta(['restore', submitDir, '--labels', 'makeWarp']);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/run incomplete/);
    expect(r.stderr).toMatch(/2 job\(s\) of --labels could not run: they need jobs of calibrate/);
    expect(r.stderr).toMatch(/--labels calibrate,makeWarp/);
    const j = quanta(['restore', submitDir, '--labels', 'makeWarp', '--json']);
    expect(j.status).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({
      status: 'incomplete',
      unselected: { jobs: 2, labels: ['calibrate'] },
    });
    // with its inputs made, the same restore succeeds
    expect(quanta(['restore', submitDir, '--labels', 'calibrate']).status).toBe(0);
    const ok = quanta(['restore', submitDir, '--labels', 'makeWarp', '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'succeeded', totals: { succeeded: 4 } });
  }, 60_000);

  it('status says the manager is gone when its process died on this host', async () => {
    const run = startManager(tempDir('dead-manager'), coaddWorkflow(30), ['--cores', '1']);
    await waitFor(() => running(run.submitDir));
    process.kill(-(run.child.pid as number), 'SIGKILL');
    await run.exited;
    const s = JSON.parse(quanta(['status', run.submitDir, '--json']).stdout);
    expect(s.manager.pid).toBe(run.child.pid);
    expect(s.managerGone).toMatch(new RegExp(`its process ${run.child.pid} on .* is gone`));
    const text = quanta(['status', run.submitDir]).stdout;
    expect(text).toMatch(new RegExp(`manager: gone \\(pid ${run.child.pid} on [^:]+: its process`));
    expect(text).toContain('`quanta restore` continues it');
    const runs = JSON.parse(quanta(['runs', join(run.submitDir, '..'), '--json']).stdout);
    expect(runs.runs[0]).toMatchObject({ state: 'stopped', manager: { pid: run.child.pid } });
    expect(runs.runs[0].manager.gone).toBeTruthy();
  }, 60_000);
});
