/**
 * `quanta report --resources-out`: requestMemory per label from a real run's measured peaks,
 * loaded back through includeConfigs by the submit-config loader.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSubmitConfig } from '../../src/config/index.js';
import { resourcesYaml, roundUpMemory } from '../../src/monitor/index.js';
import { MINIMAL } from '../../src/config/test-files.js';
import { job } from '../engine/helpers.js';
import { quanta, runToEnd } from './fixture.js';
import { expectCatalogueExit } from '../helpers/exit-code.js';

describe('resources file', () => {
  it('rounds up in steps that grow with the size', () => {
    expect(roundUpMemory(10)).toBe(128);
    expect(roundUpMemory(129)).toBe(192);
    expect(roundUpMemory(1024)).toBe(1024);
    expect(roundUpMemory(1025)).toBe(1280);
    expect(roundUpMemory(8193)).toBe(9216);
  });

  it('writes pipetask.<label>.requestMemory from measured peaks, loadable through includeConfigs', async () => {
    // a run whose jobs really use memory: 'big' touches 120 MB, 'small' nothing much. Every job
    // lives a few sampling periods: a job shorter than one period may end before it is sampled.
    const run = runToEnd('resources-alloc', (dir) => ({
      name: 'alloc',
      jobs: [
        job(dir, 'big.0', 'big', { alloc: 120, sleep: 600, requestMemory: 1000 }),
        job(dir, 'big.1', 'big', { alloc: 60, sleep: 600, requestMemory: 1000 }),
        job(dir, 'small.0', 'small', { sleep: 400, requestMemory: 2000 }),
      ],
    }));
    expect(run.summary.status).toBe('succeeded');
    const out = join(run.dir, 'resources.yaml');
    const r = quanta(['report', run.submitDir, '--resources-out', out, '--safety-factor', '1.5', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('requestMemory for 2 label(s)');
    const report = JSON.parse(r.stdout) as { resources: { label: string; peakMemoryMB: number }[] };
    const peak = Object.fromEntries(report.resources.map((x) => [x.label, x.peakMemoryMB]));
    expect(peak.big).toBeGreaterThan(100);

    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/^pipetask:$/m);
    writeFileSync(join(run.dir, 'pipe.yaml'), 'tasks: {}\n');
    writeFileSync(join(run.dir, 'bps.yaml'), `includeConfigs:\n  - ${out}\n${MINIMAL}`);
    const cfg = await loadSubmitConfig(join(run.dir, 'bps.yaml'));
    for (const label of ['big', 'small']) {
      const mem = cfg.resources(label).requestMemory;
      expect(mem, label).toBeGreaterThanOrEqual(peak[label] * 1.5);
      expect(mem, label).toBe(roundUpMemory(peak[label] * 1.5));
    }
    // small asked 2000 MB and needs far less: the file lowers it
    expect(cfg.resources('small').requestMemory).toBeLessThan(300);
    // a label the file does not name keeps the default
    expect(cfg.resources('other').requestMemory).toBe(cfg.resources('unknown').requestMemory);
  });

  it('leaves out labels without a measured peak and refuses a safety factor below 1', () => {
    const base = {
      jobs: 1,
      succeeded: 0,
      requestMemoryMB: 100,
      medianPeakMemoryMB: 0,
      memoryKills: 0,
      maxAttempts: 0,
      suggestedRequestMemoryMB: 128,
      runTimeSec: null,
    };
    const f = resourcesYaml('/s', [
      { ...base, label: 'done', peakMemoryMB: 700 },
      { ...base, label: 'waiting', peakMemoryMB: 0 },
    ]);
    expect(f.labels).toEqual([{ label: 'done', peakMemoryMB: 700, requestMemory: 896 }]);
    expect(f.skipped).toEqual(['waiting']);
    expect(f.text).toContain('# no measured peak (left out): waiting');
    expect(() => resourcesYaml('/s', [], 0.8)).toThrow(/--safety-factor must be a number from 1 to 10/);
    const bad = quanta(['report', '/s-does-not-exist', '--resources-out', '/tmp/x.yaml']);
    expectCatalogueExit(bad.status, bad.stderr, 'report on a missing submit dir');
  });
});
