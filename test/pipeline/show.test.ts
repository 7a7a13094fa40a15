import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectCatalogueExit } from '../helpers/exit-code.js';

const root = join(import.meta.dirname, '..', '..');
const quanta = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(root, 'bin', 'quanta.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
const drp = join(import.meta.dirname, 'fixtures', 'DRP.yaml');

function pipelineFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'quanta-show-')), 'p.yaml');
  writeFileSync(file, text);
  return file;
}

const PYTHON = `description: imSim single frame
instrument: lsst.obs.lsst.LsstCamImSim
tasks:
  isr:
    class: lsst.ip.isr.IsrTaskLSST
    config:
      - doDefect: false
      - python: |
          config.doBias = True
  measure: ./no-such-module.ts#measure
subsets:
  step1: [isr, measure]
steps:
  - label: step1
    dimensions: [instrument, exposure, detector]
contracts:
  - isr.doDefect == False
`;

describe('quanta pipeline show', () => {
  it('shows tasks, config blocks, subsets, steps and contracts without importing task code', () => {
    const r = quanta(['pipeline', 'show', pipelineFile(PYTHON)]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('1. isr: lsst.ip.isr.IsrTaskLSST (Python task)');
    expect(r.stdout).toContain('2. measure: ./no-such-module.ts#measure (TypeScript task)');
    expect(r.stdout).toMatch(/python: \|\n\s+config\.doBias = True/);
    expect(r.stdout).toContain('step1: [instrument, exposure, detector]');
    expect(r.stdout).toContain('isr.doDefect == False');
  });

  it('--connections prints tasks in execution order with connections and quantum dimensions', () => {
    const r = quanta(['pipeline', 'show', '--connections', `${drp}#singleFrame`]);
    expect(r.status).toBe(0);
    expect(r.stdout.indexOf('1. isr')).toBeLessThan(r.stdout.indexOf('2. characterizeImage'));
    expect(r.stdout).toContain('quantum dimensions: [instrument, visit, detector]');
    expect(r.stdout).toContain('icSourceCat: icSrc [instrument, visit, detector] Catalog (deferLoad)');
  });

  it('--connections imports task modules: a missing one is an error', () => {
    const r = quanta(['pipeline', 'show', '--connections', pipelineFile(PYTHON)]);
    expectCatalogueExit(r.status, r.stderr);
    expect(r.stderr).toMatch(/^quanta: error \[TASK_MODULE_NOT_FOUND\] .*p\.yaml:10:3: task "measure"/);
  });

  it('--json prints one document, with --connections the resolved tasks', () => {
    const plain = JSON.parse(quanta(['pipeline', 'show', pipelineFile(PYTHON), '--json']).stdout);
    expect(plain.tasks[0]).toMatchObject({
      label: 'isr',
      kind: 'python',
      className: 'lsst.ip.isr.IsrTaskLSST',
    });
    expect(plain.steps).toEqual([{ label: 'step1', dimensions: ['instrument', 'exposure', 'detector'] }]);
    const r = quanta(['pipeline', 'show', '--connections', `${drp}#coadd,visitSummary`, '--json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.tasks.map((t: { label: string }) => t.label)).toEqual(['visitSummary', 'assembleCoadd']);
    expect(doc.tasks[1].dimensions).toEqual(['skymap', 'tract', 'patch', 'band']);
    expect(doc.datasetTypes.calexp.producer).toBeUndefined();
  });

  it('exits 2 with one paragraph for a bad selection', () => {
    const r = quanta(['pipeline', 'show', `${drp}#nope`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^quanta: error \[PIPELINE_UNKNOWN_LABEL\] .*"nope"/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('names file:line:column and the variable of an unset $VAR in an import', () => {
    const file = pipelineFile('description: x\nimports:\n  - $NO_SUCH_PIPE_DIR/pipelines/DRP.yaml\n');
    const r = quanta(['pipeline', 'show', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `quanta: error [PIPELINE_ENV_VAR] ${file}:3:5: import location "$NO_SUCH_PIPE_DIR/pipelines/DRP.yaml" uses the environment variable NO_SUCH_PIPE_DIR, which is not set; set it (e.g. by setting up the package that defines it) or give the path\n`,
    );
  });
});
