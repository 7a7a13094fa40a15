/** `quanta status --watch` on real runs, and the terminal progress of `quanta submit`/`restore`. */
import { spawn } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressDisplay, RateWindow } from '../../src/engine/progress.js';
import type { ProgressSnapshot } from '../../src/engine/index.js';
import { quantaBin } from '../engine/helpers.js';
import { quanta, runToEnd, shellWorkflow, startRun, waitFor } from './fixture.js';

describe('quanta status --watch', () => {
  it('prints a line whenever the counts change and exits once the run has no manager', async () => {
    const run = startRun('watch', shellWorkflow(0.5), ['--cores', '2']);
    await waitFor(() => /submit dir/.test(run.stderr()));
    await waitFor(() => quanta(['status', run.submitDir, '--json']).status === 0);
    const w = spawn(
      process.execPath,
      [quantaBin(), 'status', run.submitDir, '--watch', '--interval', '0.2'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    w.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((r) => w.once('exit', (c) => r(c)));
    expect(await run.exited).toBe(1);
    expect(code).toBe(0);
    const lines = out.split('\n').filter((l) => /^\[\d{4}-/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const done = lines.map((l) => Number(/\] (\d+)\/10 /.exec(l)?.[1]));
    expect(done.every((d, i) => i === 0 || d >= done[i - 1])).toBe(true);
    expect(done.at(-1)).toBe(10);
    expect(lines[0]).toMatch(/left/);
    // the last thing printed is the final table, as `quanta status` prints it
    expect(out).toMatch(/TOTAL\s+0\s+0\s+0\s+8\s+1\s+1\s+0\s+10\s*\nprogress: 100\.0% done\nmanager: none/);
  });

  it('returns at once on a run that has ended, and refuses --json', () => {
    const { submitDir } = runToEnd('watch-ended');
    const r = quanta(['status', submitDir, '--watch']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('TOTAL');
    const j = quanta(['status', submitDir, '--watch', '--json']);
    expect(j.status).toBe(2);
    expect(j.stderr).toContain('--watch and --json do not combine');
  });
});

function snapshot(done: number, total = 100): ProgressSnapshot {
  const counts = {
    pending: total - done - 2,
    ready: 0,
    running: 2,
    succeeded: done,
    failed: 0,
    blocked: 0,
    cancelled: 0,
  };
  return {
    labels: [{ label: 'calibrate', counts, total }],
    totals: { ...counts, total },
    elapsedMs: done * 1000,
  };
}

describe('terminal progress', () => {
  it('measures the rate over a sliding window and gives the time left', () => {
    const r = new RateWindow(10_000);
    expect(r.perSec()).toBe(0);
    r.add(0, 0);
    r.add(5_000, 10);
    expect(r.perSec()).toBe(2);
    expect(r.etaSec(20)).toBe(10);
    // an old fast burst leaves the window
    r.add(20_000, 12);
    r.add(25_000, 13);
    // the baseline is the newest sample at least a window old (t=5 s, 10 done): 3 jobs in 20 s
    expect(r.perSec()).toBeCloseTo(0.15, 5);
    expect(r.etaSec(0)).toBeUndefined();
  });

  it('draws a bar per label and an overall bar with rate and ETA on a TTY', async () => {
    const stream = Object.assign(new PassThrough(), {
      isTTY: true,
      columns: 160,
    }) as unknown as NodeJS.WriteStream;
    let text = '';
    (stream as unknown as PassThrough).on('data', (b: Buffer) => (text += b.toString()));
    const d = createProgressDisplay({ tty: true, stream });
    d.update(snapshot(0));
    await new Promise((r) => setTimeout(r, 300));
    d.update(snapshot(30));
    d.stop();
    expect(text).toMatch(/calibrate\s+\|.*\| 30\/100 2 running, [\d.]+\/min, ETA \d/);
    expect(text).toMatch(/TOTAL\s+\|.*\| 30\/100/);
  });

  it('prints plain lines with the rate when not on a TTY', async () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    let text = '';
    (stream as unknown as PassThrough).on('data', (b: Buffer) => (text += b.toString()));
    const d = createProgressDisplay({ tty: false, stream, everyMs: 0 });
    d.update(snapshot(0));
    await new Promise((r) => setTimeout(r, 200));
    d.update(snapshot(50));
    d.stop();
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\[50 s\] 50\/100 \(50\.0%\) running 2, .*; [\d.]+\/min, ETA \d/);
  });
});
