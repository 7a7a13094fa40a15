/**
 * `quanta report` on real runs: failures grouped by label and cause, each group with the setting
 * that would have let it run (and that value does let it run), one peak figure per failure, and
 * no advice for labels that never ran.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatReport, peakText, runReport, type RunReport } from '../../src/engine/report.js';
import { runWorkflow, type RunOptions } from '../../src/engine/run.js';
import { parseWorkflow } from '../../src/engine/workflow.js';
import { LocalExecutor } from '../../src/executors/local/local-executor.js';
import { job, tempDir } from './helpers.js';

function opts(dir: string, jobs: Record<string, unknown>[]): RunOptions {
  return {
    submitDir: join(dir, 'submit'),
    workflow: parseWorkflow({ name: 'report-test', jobs }),
    executor: ({ runId }) => new LocalExecutor({ cores: 4, memoryMB: 4000, runId }),
  };
}

/** 3 jobs of calibrate over their memory, 2 of isr exiting 3, 1 of measure timing out; coadd never runs. */
function failingJobs(dir: string): Record<string, unknown>[] {
  const cal = [0, 1, 2].map((d) =>
    job(dir, `calibrate.${d}`, 'calibrate', { alloc: 250, sleep: 1500, requestMemory: 150 }),
  );
  return [
    ...cal,
    job(dir, 'isr.0', 'isr', { fail: true }),
    job(dir, 'isr.1', 'isr', { fail: true }),
    job(dir, 'measure.0', 'measure', { sleep: 5000, timeoutSec: 1 }),
    job(dir, 'coadd', 'coadd', { needs: ['calibrate.0'] }),
  ];
}

describe('quanta report', () => {
  let dir: string;
  let rep: RunReport;
  beforeAll(async () => {
    dir = tempDir('report');
    const s = await runWorkflow(opts(dir, failingJobs(dir)));
    expect(s.status).toBe('failed');
    rep = runReport(join(dir, 'submit'));
  }, 60_000);

  it('groups the failures by label and cause, largest first, with the fix', () => {
    expect(rep.failureGroups.map((g) => [g.count, g.cause, g.label])).toEqual([
      [3, 'memory', 'calibrate'],
      [2, 'exit 3', 'isr'],
      [1, 'timeout', 'measure'],
    ]);
    const [mem, exit, timeout] = rep.failureGroups;
    // a plain workflow: the key of its jobs; the memory of the killed attempt x2 (multiplier 1)
    expect(mem.fix?.key).toBe('requestMemory');
    expect(mem.fix?.value).toBe(Math.ceil((Math.max(150, mem.peakMemoryMB ?? 0) * 2) / 64) * 64);
    expect(mem.text).toBe(
      `3 x memory on calibrate -> set requestMemory: ${mem.fix?.value} on the calibrate jobs of the workflow file` +
        ` (killed at ${Math.round(Math.max(150, mem.peakMemoryMB ?? 0))} MB; 2 x that)`,
    );
    expect(exit.fix).toBeNull();
    expect(exit.text).toMatch(/^2 x exit 3 on isr -> see the log of isr\.0: \/.+isr\.0.*\.log$/);
    expect(timeout.fix).toMatchObject({ key: 'requestWalltime', value: 2 });
    const text = formatReport(rep);
    for (const g of rep.failureGroups) expect(text).toContain(`  ${g.text}\n`);
  });

  it('names the pipetask key of the submit YAML for a run that has one', () => {
    // quanta submit leaves the submit YAML it ran as config.yaml in the submit dir
    writeFileSync(join(dir, 'submit', 'config.yaml'), 'pipetask: {}\n');
    const groups = runReport(join(dir, 'submit')).failureGroups;
    const value = groups[0].fix?.value;
    expect(groups[0].text).toMatch(
      new RegExp(`^3 x memory on calibrate -> set pipetask\\.calibrate\\.requestMemory: ${value} \\(`),
    );
    expect(groups[2].fix?.key).toBe('pipetask.measure.requestWalltime');
  });

  it('suggests memory that fits: the job runs with it', async () => {
    const d = tempDir('report-fit');
    const value = rep.failureGroups[0].fix?.value as number;
    const s = await runWorkflow(
      opts(d, [job(d, 'calibrate.0', 'calibrate', { alloc: 250, sleep: 1500, requestMemory: value })]),
    );
    expect(s.status).toBe('succeeded');
  }, 30_000);

  it('shows one peak figure per failure, and no advice for a label that never ran', () => {
    const text = formatReport(rep);
    for (const f of rep.failures.filter((x) => x.peakMemoryMB)) {
      const line = text.split('\n').find((l) => l.startsWith(`FAILED ${f.id} `)) ?? '';
      expect(line).toContain(peakText(f));
      expect(line.match(/peak \d+ MB/g)).toHaveLength(1);
    }
    expect(rep.failures.find((f) => f.id === 'calibrate.0')?.cause).toBe('memory');
    const coadd = rep.resources.find((r) => r.label === 'coadd');
    expect(coadd?.suggestedRequestMemoryMB).toBeNull();
    const resources = text.slice(text.indexOf('resources per label'));
    const row = resources.split('\n').find((l) => l.startsWith('coadd ')) ?? '';
    expect(row.trim().split(/\s+/)).toEqual(['coadd', '1', '200', '-', '-', '0', '0', '-', '-']);
  });
});
