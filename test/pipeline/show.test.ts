import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const quanta = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'quanta.js'), ...args], { encoding: 'utf8' });
const drp = join(import.meta.dirname, 'fixtures', 'DRP.yaml');

describe('quanta pipeline show', () => {
  it('prints tasks in execution order with connections and quantum dimensions', () => {
    const r = quanta('pipeline', 'show', `${drp}#singleFrame`);
    expect(r.status).toBe(0);
    expect(r.stdout.indexOf('1. isr')).toBeLessThan(r.stdout.indexOf('2. characterizeImage'));
    expect(r.stdout).toContain('quantum dimensions: [instrument, visit, detector]');
    expect(r.stdout).toContain('icSourceCat: icSrc [instrument, visit, detector] Catalog (deferLoad)');
  });

  it('--json prints one document', () => {
    const r = quanta('pipeline', 'show', `${drp}#coadd,visitSummary`, '--json');
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.tasks.map((t: { label: string }) => t.label)).toEqual(['visitSummary', 'assembleCoadd']);
    expect(doc.tasks[1].dimensions).toEqual(['skymap', 'tract', 'patch', 'band']);
    expect(doc.datasetTypes.calexp.producer).toBeUndefined();
  });

  it('exits 2 with one paragraph for a bad selection', () => {
    const r = quanta('pipeline', 'show', `${drp}#nope`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^quanta: error \[PIPELINE_UNKNOWN_LABEL\] .*"nope"/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
