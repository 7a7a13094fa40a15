import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../src/errors.js';
import { readPipeline } from '../../src/pipeline/definition.js';
import { loadPipeline } from '../../src/pipeline/load.js';

const tasks = join(import.meta.dirname, 'fixtures', 'tasks.ts');

function files(texts: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-plr-'));
  for (const [name, text] of Object.entries(texts))
    writeFileSync(join(dir, name), text.replaceAll('TASKS', tasks));
  return dir;
}

async function failure(p: Promise<unknown> | (() => unknown)): Promise<PipelineError> {
  const e = await (typeof p === 'function' ? Promise.resolve().then(p) : p).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(PipelineError);
  return e as PipelineError;
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
      - file: [$DRP_PIPE_DIR/config/isr.py]
  calibrate:
    class: TASKS#calibrate
subsets:
  step1: [isr, calibrate]
steps:
  - label: step1
    dimensions: [instrument, exposure, detector]
contracts:
  - isr.doDefect == False
  - contract: calibrate.zeroPoint == 27
    msg: the ToyCam zero point
`;

describe('imports with $VAR locations', () => {
  it('expands $VAR and ${VAR} from the environment', () => {
    const dir = files({
      'base.yaml': 'tasks:\n  isr: TASKS#isr\n',
      'top.yaml': 'imports:\n  - $PIPES/base.yaml\n  - location: ${PIPES}/other.yaml\n',
      'other.yaml': 'tasks:\n  calibrate: TASKS#calibrate\n',
    });
    const d = readPipeline(join(dir, 'top.yaml'), { env: { PIPES: dir } });
    expect(d.tasks.map((t) => t.label)).toEqual(['isr', 'calibrate']);
  });

  it('names the file, line, column and the unset variable', async () => {
    const dir = files({
      'top.yaml': 'description: x\nimports:\n  - location: "${NOT_SET_ANYWHERE}/base.yaml"\n',
    });
    const e = await failure(() => readPipeline(join(dir, 'top.yaml'), { env: {} }));
    expect(e.code).toBe('PIPELINE_ENV_VAR');
    expect(e.message).toMatch(/environment variable NOT_SET_ANYWHERE, which is not set/);
    expect(e.location).toMatchObject({ file: join(dir, 'top.yaml'), line: 3, column: 16 });
  });
});

describe('Python PipelineTasks', () => {
  it('reads them without importing anything, config blocks kept', () => {
    const dir = files({ 'p.yaml': PYTHON.replace('TASKS#calibrate', './nowhere.ts#calibrate') });
    const d = readPipeline(join(dir, 'p.yaml'));
    expect(d.tasks.map((t) => [t.label, t.kind])).toEqual([
      ['isr', 'python'],
      ['calibrate', 'ts'],
    ]);
    expect(d.tasks[0].configs).toEqual([
      { file: [], rest: { doDefect: false } },
      { python: 'config.doBias = True\n', file: [], rest: {} },
      { file: ['$DRP_PIPE_DIR/config/isr.py'], rest: {} },
    ]);
    expect(d.steps).toEqual([{ label: 'step1', dimensions: ['instrument', 'exposure', 'detector'] }]);
  });

  it('stops a run with PIPELINE_PYTHON_TASK, and loads them as python nodes when asked', async () => {
    const dir = files({ 'p.yaml': PYTHON });
    const e = await failure(loadPipeline(join(dir, 'p.yaml')));
    expect(e.code).toBe('PIPELINE_PYTHON_TASK');
    expect(e.location).toMatchObject({ line: 4, column: 3 });
    const p = await loadPipeline(join(dir, 'p.yaml'), { pythonTasks: 'keep' });
    const isr = p.tasks.find((t) => t.label === 'isr')!;
    expect(isr).toMatchObject({
      kind: 'python',
      className: 'lsst.ip.isr.IsrTaskLSST',
      taskName: 'IsrTaskLSST',
    });
    expect(isr.configBlocks).toHaveLength(3);
    expect(p.contracts?.map((c) => c.checked)).toEqual([false, true]);
  });

  it('refuses python: blocks on a TypeScript task', async () => {
    const dir = files({
      'p.yaml': 'tasks:\n  isr:\n    class: TASKS#isr\n    config:\n      python: config.bias = 3\n',
    });
    const e = await failure(loadPipeline(join(dir, 'p.yaml')));
    expect(e.code).toBe('PIPELINE_CONFIG');
    expect(e.message).toMatch(/"python:" block is Python config/);
  });
});

describe('contracts of TypeScript tasks', () => {
  const pipeline = (contract: string) =>
    files({
      'p.yaml': `tasks:\n  isr:\n    class: TASKS#isr\n    config: { bias: 3 }\n  calibrate: TASKS#calibrate\ncontracts:\n  - contract: ${contract}\n    msg: biases agree\n`,
    });

  it('checks them over the resolved configs and connection dataset types', async () => {
    const dir = pipeline(
      `isr.bias < calibrate.zeroPoint and isr.connections.outputExposure == "postISRCCD" and isr.doSaturation is True`,
    );
    const p = await loadPipeline(join(dir, 'p.yaml'));
    expect(p.contracts).toMatchObject([{ checked: true }]);
  });

  it('names a contract that does not hold, with its message and line', async () => {
    const e = await failure(loadPipeline(join(pipeline('isr.bias == 4 or not isr.doSaturation'), 'p.yaml')));
    expect(e.code).toBe('PIPELINE_CONTRACT');
    expect(e.message).toMatch(/is not satisfied: biases agree/);
    expect(e.location.line).toBe(7);
  });

  it('names an unknown config field or label', async () => {
    const e = await failure(loadPipeline(join(pipeline('isr.bais == 3'), 'p.yaml')));
    expect(e.message).toMatch(/no config field "bais"/);
  });

  it('drops the contracts of labels a selection removes', async () => {
    const dir = pipeline('isr.bias == 4');
    const p = await loadPipeline(`${join(dir, 'p.yaml')}#calibrate`);
    expect(p.contracts).toEqual([]);
  });
});

describe('steps', () => {
  it('must be subsets with known dimensions', async () => {
    const base = 'tasks:\n  isr: TASKS#isr\nsubsets:\n  s: [isr]\nsteps:\n';
    const e1 = await failure(() =>
      readPipeline(join(files({ 'p.yaml': `${base}  - label: t\n    dimensions: [visit]\n` }), 'p.yaml')),
    );
    expect(e1.code).toBe('PIPELINE_STEP');
    const e2 = await failure(
      loadPipeline(join(files({ 'p.yaml': `${base}  - label: s\n    dimensions: [vist]\n` }), 'p.yaml')),
    );
    expect(e2.message).toMatch(/step "s" uses unknown dimension "vist" \(did you mean "visit"\?\)/);
  });
});

describe('pipe_base import semantics', () => {
  const base = `tasks:\n  isr: TASKS#isr\n  characterizeImage: TASKS#characterizeImage\n  calibrate: TASKS#calibrate\nsubsets:\n  sfp: [isr, characterizeImage, calibrate]\n  early: [isr, characterizeImage]\n`;

  it('edits or drops the subsets an exclude cuts (labeledSubsetModifyMode)', () => {
    const dir = files({
      'base.yaml': base,
      'edit.yaml':
        'imports:\n  - location: base.yaml\n    exclude: [calibrate]\n    labeledSubsetModifyMode: EDIT\n',
      'drop.yaml': 'imports:\n  - location: base.yaml\n    exclude: [calibrate]\n',
    });
    expect(readPipeline(join(dir, 'edit.yaml')).subsets.sfp.labels).toEqual(['isr', 'characterizeImage']);
    expect(Object.keys(readPipeline(join(dir, 'drop.yaml')).subsets)).toEqual(['early']);
  });

  it('includes the labels of a named subset', () => {
    const dir = files({
      'base.yaml': base,
      'top.yaml': 'imports:\n  - location: base.yaml\n    include: [early]\n',
    });
    expect(readPipeline(join(dir, 'top.yaml')).tasks.map((t) => t.label)).toEqual([
      'isr',
      'characterizeImage',
    ]);
  });

  it('replaces a label declared again with another class', () => {
    const dir = files({
      'base.yaml': 'tasks:\n  isr:\n    class: lsst.ip.isr.IsrTask\n    config: { doDark: false }\n',
      'top.yaml': 'imports: [base.yaml]\ntasks:\n  isr:\n    class: lsst.ip.isr.IsrTaskLSST\n',
    });
    expect(readPipeline(join(dir, 'top.yaml')).tasks).toMatchObject([
      { className: 'lsst.ip.isr.IsrTaskLSST', configs: [] },
    ]);
  });

  it('refuses inherits:, as pipe_base does', async () => {
    const e = await failure(() => readPipeline(join(files({ 'p.yaml': 'inherits: [a.yaml]\n' }), 'p.yaml')));
    expect(e.message).toMatch(/"inherits" key is not supported/);
  });
});
