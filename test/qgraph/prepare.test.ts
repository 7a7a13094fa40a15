import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWorkflow } from '../../src/engine/workflow.js';
import { loadQuantumGraph } from '../../src/qgraph/file.js';
import { prepareRun } from '../../src/qgraph/prepare.js';
import { runQuantum } from '../../src/task/run-quantum.js';
import { makeToyRepo } from './toy-repo.js';

const root = join(import.meta.dirname, '..', '..');
const pipeline = join(root, 'test', 'pipeline', 'fixtures', 'DRP.yaml');
const VISITS = [10, 11, 12];
const DETECTORS = [0, 1, 2];
let dir: string;
let repo: string;

/** A bps YAML shaped like the seed's: includeConfigs, pipelineYaml#subset, a visit-list dataQuery. */
function bpsYaml(name: string, subset: string, query: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      'includeConfigs:',
      '  - ${QG_TEST_DIR}/resources.yaml',
      `pipelineYaml: "${pipeline}#${subset}"`,
      'payload:',
      `  payloadName: ${name}`,
      `  butlerConfig: ${repo}`,
      '  inCollection: ToyCam/defaults',
      `  dataQuery: "${query}"`,
      'parsl_config:',
      '  retries: 1',
      '  provider: Local',
      '',
    ].join('\n'),
  );
  return file;
}

const env = (): NodeJS.ProcessEnv => ({ ...process.env, QG_TEST_DIR: dir, USER: 'tester' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quanta-prepare-'));
  repo = join(dir, 'repo');
  mkdirSync(repo);
  const { butler } = await makeToyRepo(repo, {
    visits: VISITS,
    detectors: DETECTORS,
    rawFiles: true,
    missing: [[12, 2]],
  });
  await butler.close();
  writeFileSync(
    join(dir, 'resources.yaml'),
    'requestMemory: 2048\npipetask:\n  isr:\n    requestMemory: 4096\n    requestCpus: 2\n',
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('prepareRun (end to end on a real repository)', () => {
  it('builds the single-frame graph of a seed-shaped bps YAML and writes the submit dir', async () => {
    const file = bpsYaml('sfp', 'singleFrame', "instrument='ToyCam' and visit in (10, 11, 12)");
    const run = await prepareRun(file, { env: env() });
    // 3 visits x 3 detectors, minus the missing raw of visit 12 detector 2
    expect(run.counts).toEqual({ isr: 8, characterizeImage: 8, calibrate: 8 });
    expect(run.dropped).toEqual([expect.objectContaining({ label: 'isr', datasetType: 'raw', count: 1 })]);
    for (const f of ['config.yaml', 'qgraph.qg', 'workflow.json', 'summary.json', 'token'])
      expect(existsSync(join(run.submitDir, f))).toBe(true);
    expect(statSync(join(run.submitDir, 'token')).mode & 0o777).toBe(0o600);

    const g = loadQuantumGraph(run.qgPath);
    expect(g.quanta).toHaveLength(24);
    expect(g.outputRun).toBe(run.outputRun);
    expect(run.outputRun).toMatch(/^u\/tester\/sfp\//);
    const wf = parseWorkflow(JSON.parse(readFileSync(run.workflowPath, 'utf8')));
    const byId = new Map(wf.jobs.map((j) => [j.id, j]));
    expect(byId.get('isr.10.1')).toMatchObject({ requestMemory: 4096, requestCpus: 2, needs: [] });
    expect(byId.get('characterizeImage.10.1')).toMatchObject({ requestMemory: 2048, needs: ['isr.10.1'] });
    expect(byId.get('calibrate.10.1')!.needs).toEqual(['characterizeImage.10.1']);
    expect(byId.has('isr.12.2')).toBe(false);
    expect(wf.butlerRoot).toBe(repo);

    // the quanta run, in order, through runQuantum, and write their predicted outputs
    for (const label of ['isr', 'characterizeImage', 'calibrate']) {
      const result = await runQuantum(byId.get(`${label}.11.2`)!.task!.quantumFile);
      const expected = byId
        .get(`${label}.11.2`)!
        .outputs!.map((o) => o.path)
        .sort();
      expect(result.outputs.map((o) => o.path).sort()).toEqual(expected);
      for (const p of expected) expect(existsSync(join(repo, p))).toBe(true);
      expect(existsSync(`${byId.get(`${label}.11.2`)!.task!.quantumFile}.result.json`)).toBe(true);
    }
    const summary = JSON.parse(readFileSync(join(run.submitDir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ quanta: 24, counts: run.counts, inputCollections: ['ToyCam/defaults'] });
  });

  it('gives coadd quanta the visits whose detector regions overlap each patch, per band', async () => {
    const file = bpsYaml('coadd', 'singleFrame,coadd', "instrument='ToyCam' and visit in (10, 11, 12)");
    const run = await prepareRun(file, { env: env() });
    const g = loadQuantumGraph(run.qgPath);
    // visits step 0.5 deg in ra from 10.1: visit 10 (r) and 11 (g) on patch 0; 12 (r) on patch 1;
    // detectors 0..2 sit at dec 0.1..0.38, all in the lower patch row
    const got = g.quanta
      .filter((q) => q.label === 'assembleCoadd')
      .map(
        (q) =>
          `${q.dataId.patch}${q.dataId.band}:${[...new Set(q.inputs.calexps.map((d) => g.datasets.get(d).dataId.visit))].join(',')}:${q.inputs.calexps.length}`,
      )
      .sort();
    expect(got).toEqual(['0g:11:3', '0r:10:3', '1r:12:2']);

    // run patch 1's chain: single-frame quanta of visit 12, then the coadd (multiple + deferLoad)
    const wf = parseWorkflow(JSON.parse(readFileSync(run.workflowPath, 'utf8')));
    const byId = new Map(wf.jobs.map((j) => [j.id, j]));
    for (const det of [0, 1])
      for (const l of ['isr', 'characterizeImage', 'calibrate'])
        await runQuantum(byId.get(`${l}.12.${det}`)!.task!.quantumFile);
    const coaddJob = byId.get('assembleCoadd.toy.0.1.r')!;
    expect(coaddJob.needs.sort()).toEqual(['calibrate.12.0', 'calibrate.12.1']);
    const result = await runQuantum(coaddJob.task!.quantumFile);
    const coadd = JSON.parse(readFileSync(join(repo, result.outputs[0].path), 'utf8'));
    expect(coadd.inputs.sort()).toEqual(['12.0', '12.1']);
  });

  it('names the task, dataset type and data IDs when the query selects visits without raws', async () => {
    const file = bpsYaml('none', 'singleFrame', "instrument='ToyCam' and visit in (10, 11) and detector = 7");
    await expect(prepareRun(file, { env: env() })).rejects.toThrow(
      /task isr: the data query .* matches no data IDs/,
    );
  });

  it('rejects a pipeline whose dataset type disagrees with the repository', async () => {
    const pl = join(dir, 'mismatch-pipeline.yaml');
    writeFileSync(
      pl,
      [
        'tasks:',
        '  script:',
        '    class: command',
        '    config:',
        "      argv: [cat, '{input.raw}']",
        '      dimensions: [instrument, exposure, detector]',
        '      connections:',
        '        inputs: { raw: { datasetType: raw, dimensions: [instrument, exposure, detector], storageClass: Catalog } }',
        '        outputs: { out: { datasetType: rawCopy, dimensions: [instrument, exposure, detector], storageClass: Catalog } }',
        '',
      ].join('\n'),
    );
    const file = bpsYaml('mismatch', 'script', "instrument='ToyCam'");
    writeFileSync(file, readFileSync(file, 'utf8').replace(`${pipeline}#script`, `${pl}#script`));
    await expect(prepareRun(file, { env: env() })).rejects.toThrow(
      /dataset type raw is declared .* storage class Catalog, but the repository .* has it with \[instrument, detector, exposure\] and Exposure/,
    );
  });

  it('gives many submissions in the same millisecond distinct submit dirs and runs', async () => {
    const file = bpsYaml('same', 'singleFrame', "instrument='ToyCam' and visit = 10");
    const now = new Date('2026-01-01T00:00:00.000Z');
    const runs = await Promise.all([0, 1, 2].map(() => prepareRun(file, { env: env(), now })));
    expect(new Set(runs.map((r) => r.submitDir)).size).toBe(3);
    expect(new Set(runs.map((r) => r.outputRun)).size).toBe(3);
  });

  it('quanta qgraph --json prints the counts and the submit dir', () => {
    const file = bpsYaml('cli', 'singleFrame', "instrument='ToyCam' and visit in (10, 11)");
    const r = spawnSync(process.execPath, [join(root, 'bin', 'quanta.js'), 'qgraph', file, '--json'], {
      encoding: 'utf8',
      env: env(),
    });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.counts).toEqual({ isr: 6, characterizeImage: 6, calibrate: 6 });
    expect(existsSync(join(out.submitDir, 'qgraph.qg'))).toBe(true);
  });

  it('quanta qgraph reports a bad pipeline selection as one error paragraph', () => {
    const file = bpsYaml('bad', 'singleFrme', "instrument='ToyCam'");
    const r = spawnSync(process.execPath, [join(root, 'bin', 'quanta.js'), 'qgraph', file], {
      encoding: 'utf8',
      env: env(),
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/quanta: error \[PIPELINE_UNKNOWN_LABEL\].*did you mean "singleFrame"/);
  });
});
