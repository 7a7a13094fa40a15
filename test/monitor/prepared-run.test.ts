/**
 * A run prepared by `quanta qgraph` (the ToyCam demo's submission) that has not started: status,
 * report, the job table, `quanta runs` and the dashboard read it as a run whose jobs are all
 * pending, without creating its journal.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StatusPayload } from '../../src/monitor/index.js';
import { tempDir } from '../engine/helpers.js';
import { quanta, waitFor } from './fixture.js';

describe('a prepared run that has not started', () => {
  let root = '';
  let submitDir = '';
  let total = 0;

  beforeAll(() => {
    const dir = tempDir('prepared-toycam');
    const demo = spawnSync(
      process.execPath,
      [
        resolve('bin/quanta.js'),
        'demo',
        '--dir',
        join(dir, 'toycam'),
        '--visits',
        '2',
        '--detectors',
        '1',
        '--prepare-only',
      ],
      { encoding: 'utf8' },
    );
    expect(demo.status, demo.stderr).toBe(0);
    root = join(dir, 'toycam', 'submit');
    const env = {
      ...process.env,
      TOYCAM_REPO: join(dir, 'toycam', 'repo'),
      TOYCAM_DIR: join(dir, 'toycam'),
      TOYCAM_VISITS: '1000,1001',
    };
    const qg = spawnSync(
      process.execPath,
      [resolve('bin/quanta.js'), 'qgraph', 'examples/toycam/bps.yaml', '--json'],
      {
        encoding: 'utf8',
        env,
      },
    );
    expect(qg.status, qg.stderr).toBe(0);
    submitDir = (JSON.parse(qg.stdout) as { submitDir: string }).submitDir;
    expect(existsSync(join(submitDir, 'workflow.json'))).toBe(true);
    const counts = (JSON.parse(qg.stdout) as { counts: Record<string, number> }).counts;
    total = Object.values(counts).reduce((a, b) => a + b, 0);
  }, 120_000);

  it('quanta status: every job pending, no manager yet, and no journal is created', () => {
    const r = quanta(['status', submitDir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.prepared).toBe(true);
    expect(total).toBeGreaterThan(10);
    expect(s.totals.total).toBe(total);
    expect(s.totals.pending).toBe(s.totals.total);
    expect(s.progress).toBe(0);
    expect(s.labels.map((l: { label: string }) => l.label)).toContain('makeWarp');
    const text = quanta(['status', submitDir]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/progress: 0\.0% done\nmanager: none yet: the run has not started/);
    expect(existsSync(join(submitDir, 'journal.sqlite3'))).toBe(false);
  });

  it('quanta report: no failures, requested memory per label', () => {
    const r = quanta(['report', submitDir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.failures).toEqual([]);
    expect(rep.resources.find((x: { label: string }) => x.label === 'isr')).toMatchObject({
      jobs: 2,
      succeeded: 0,
    });
    expect(quanta(['report', submitDir]).stdout).toContain('no failed jobs');
  });

  it('quanta status --label isr: one row per quantum with its data ID', () => {
    const r = quanta(['status', submitDir, '--label', 'isr', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t.matched).toBe(2);
    expect(t.jobs.map((j: { dataId: { exposure: number } }) => j.dataId.exposure).sort()).toEqual([
      1000, 1001,
    ]);
    expect(t.jobs[0]).toMatchObject({
      label: 'isr',
      state: 'pending',
      attempts: 0,
      node: null,
      durationSec: null,
    });
    const text = quanta(['status', submitDir, '--label', 'isr']).stdout;
    expect(text).toMatch(/instrument=ToyCam .*exposure=1000/);
  });

  it('quanta runs lists it as prepared', () => {
    const r = quanta(['runs', root, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const l = JSON.parse(r.stdout);
    expect(l.runs).toHaveLength(1);
    expect(l.runs[0]).toMatchObject({
      submitDir,
      state: 'prepared',
      name: 'toycam_drp',
      startedAt: null,
      manager: null,
    });
    expect(quanta(['runs', root]).stdout).toMatch(/toycam_drp\s+prepared\s+0\s+0\s+0\s+0\s+\d+/);
  });

  it('quanta dashboard opens it and shows every job pending', async () => {
    const child = spawn(process.execPath, [resolve('bin/quanta.js'), 'dashboard', submitDir, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    try {
      const url = await waitFor(() => /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1]);
      const s = (await (await fetch(`${url}api/status`)).json()) as StatusPayload;
      expect(s.phase).toBe('waiting');
      expect(s.status?.totals.pending).toBe(s.status?.totals.total);
      expect(s.status?.totals.total).toBe(total);
      expect(s.managerText).toMatch(/none yet/);
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
