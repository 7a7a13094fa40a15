import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../../src/errors.js';
import { loadPipeline } from '../../src/pipeline/load.js';

const tasks = join(import.meta.dirname, 'fixtures', 'tasks.ts');

function pipelineFile(
  yaml: string,
  name = 'p.yaml',
  dir = mkdtempSync(join(tmpdir(), 'quanta-pl-')),
): string {
  const file = join(dir, name);
  writeFileSync(file, yaml.replaceAll('TASKS', tasks));
  return file;
}

async function failure(spec: string): Promise<PipelineError> {
  const e = await loadPipeline(spec).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(PipelineError);
  return e as PipelineError;
}

const cmd = (inType: string, inDims: string, outType: string, outDims: string, sc = 'Exposure'): string => `
    class: command
    config:
      argv: [python, run.py, '{input.a}', '{output.b}', '--visit={dataId.visit}']
      dimensions: [instrument, visit, detector]
      connections:
        inputs: { a: { datasetType: ${inType}, dimensions: [${inDims}], storageClass: Exposure } }
        outputs: { b: { datasetType: ${outType}, dimensions: [${outDims}], storageClass: ${sc} } }`;

describe('pipeline selection and imports', () => {
  it('keeps the labels of the selected subsets and labels, in execution order', async () => {
    const fixtures = join(import.meta.dirname, 'fixtures', 'DRP.yaml');
    const p = await loadPipeline(`${fixtures}#visitSummary,singleFrame`);
    expect(p.tasks.map((t) => t.label)).toEqual(['isr', 'characterizeImage', 'calibrate', 'visitSummary']);
    expect(Object.keys(p.subsets)).toEqual(['singleFrame']);
  });

  it('imports another pipeline with include/exclude and overrides its parameters and configs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-pl-'));
    pipelineFile(
      `parameters: { bias: 1 }\ntasks:\n  isr:\n    class: TASKS#isr\n    config: { bias: parameters.bias }\n  characterizeImage: TASKS#characterizeImage\n  calibrate: TASKS#calibrate\nsubsets:\n  sfp: [isr, characterizeImage, calibrate]\n`,
      'base.yaml',
      dir,
    );
    const top = pipelineFile(
      `imports:\n  - location: base.yaml\n    exclude: [calibrate]\nparameters: { bias: 7 }\ntasks:\n  characterizeImage:\n    config: { threshold: 2 }\n`,
      'top.yaml',
      dir,
    );
    const p = await loadPipeline(top);
    expect(p.tasks.map((t) => t.label)).toEqual(['isr', 'characterizeImage']);
    expect(p.tasks[0].config.bias).toBe(7);
    expect(p.tasks[1].config.threshold).toBe(2);
  });

  it('loads command tasks with an argv template', async () => {
    const p = await loadPipeline(
      pipelineFile(
        `tasks:\n  script:${cmd('calexp', 'instrument, visit, detector', 'calexpPlus', 'instrument, visit, detector')}\n`,
      ),
    );
    expect(p.tasks[0]).toMatchObject({ kind: 'command', dimensions: ['instrument', 'visit', 'detector'] });
    expect(p.datasetTypes.calexp.producer).toBeUndefined();
  });

  it('renames dataset types with config connections.<name>', async () => {
    const p = await loadPipeline(
      pipelineFile(
        `tasks:\n  isr:\n    class: TASKS#isr\n    config:\n      connections.outputExposure: myPostIsr\n`,
      ),
    );
    expect(p.tasks[0].outputs.outputExposure.datasetType).toBe('myPostIsr');
  });
});

describe('pipeline validation errors', () => {
  it('names an unknown label in the selection with a did-you-mean hint', async () => {
    const fixtures = join(import.meta.dirname, 'fixtures', 'DRP.yaml');
    const e = await failure(`${fixtures}#singleFrme`);
    expect(e.message).toMatch(/"singleFrme" .* \(did you mean "singleFrame"\?\)/);
  });

  it('names an unknown label in a subset, with its line', async () => {
    const e = await failure(
      pipelineFile(`tasks:\n  isr: TASKS#isr\nsubsets:\n  sfp:\n    subset: [isr, calibrat]\n`),
    );
    expect(e.message).toMatch(/subset "sfp" names unknown task label "calibrat"/);
    expect(e.location.line).toBe(4);
  });

  it('rejects a dataset type produced by two tasks', async () => {
    const e = await failure(pipelineFile(`tasks:\n  isr: TASKS#isr\n  isr2: TASKS#isr\n`));
    expect(e.message).toMatch(/dataset type postISRCCD is produced by both "isr" and "isr2"/);
    expect(e.location.line).toBe(3);
  });

  it('rejects cycles and names the labels', async () => {
    const dims = 'instrument, visit, detector';
    const e = await failure(
      pipelineFile(`tasks:\n  a:${cmd('x', dims, 'y', dims)}\n  b:${cmd('y', dims, 'x', dims)}\n`),
    );
    expect(e.code).toBe('PIPELINE_CYCLE');
    expect(e.message).toMatch(/cycle: (a -> b -> a|b -> a -> b)/);
  });

  it('rejects inconsistent dimensions and storage classes of a dataset type', async () => {
    const vd = 'instrument, visit, detector';
    const e1 = await failure(
      pipelineFile(`tasks:\n  a:${cmd('x', vd, 'y', 'instrument, visit')}\n  b:${cmd('y', vd, 'z', vd)}\n`),
    );
    expect(e1.message).toMatch(
      /dataset type y has dimensions \[instrument, visit, detector\] in task "b" but \[instrument, visit\] in task "a"/,
    );
    const e2 = await failure(
      pipelineFile(`tasks:\n  a:${cmd('x', vd, 'y', vd, 'Catalog')}\n  b:${cmd('y', vd, 'z', vd)}\n`),
    );
    expect(e2.message).toMatch(/storage class Exposure in task "b" but Catalog in task "a"/);
  });

  it('rejects unknown config keys with a did-you-mean hint and the line', async () => {
    const e = await failure(
      pipelineFile(`tasks:\n  isr:\n    class: TASKS#isr\n    config:\n      bais: 3\n`),
    );
    expect(e.message).toMatch(/task "isr" has no config field "bais" \(did you mean "bias"\?\)/);
    expect(e.location).toMatchObject({ line: 2, key: 'bais' });
    const nested = await failure(
      pipelineFile(`tasks:\n  c:\n    class: TASKS#calibrate\n    config:\n      astrometry.maxIters: 3\n`),
    );
    expect(nested.message).toMatch(/"astrometry.maxIters" \(did you mean "astrometry.maxIter"\?\)/);
  });

  it('rejects config values of the wrong type', async () => {
    const e = await failure(
      pipelineFile(`tasks:\n  isr:\n    class: TASKS#isr\n    config: { bias: high }\n`),
    );
    expect(e.message).toMatch(/task "isr" config bias: /);
  });

  it('reports a missing module or export', async () => {
    const e1 = await failure(pipelineFile(`tasks:\n  isr: ./nowhere.ts#isr\n`));
    expect(e1.message).toMatch(/task "isr": task module .*nowhere\.ts does not exist/);
    const e2 = await failure(pipelineFile(`tasks:\n  isr: TASKS#isrr\n`));
    expect(e2.message).toMatch(/has no export "isrr" \(its tasks: isr, characterizeImage/);
    const e3 = await failure(pipelineFile(`tasks:\n  isr: TASKS\n`));
    expect(e3.message).toMatch(/exports 5 tasks .* name one with/);
  });

  it('rejects unknown argv placeholders and unknown top-level keys', async () => {
    const bad = cmd('x', 'instrument, visit, detector', 'y', 'instrument, visit, detector').replace(
      '{dataId.visit}',
      '{dataId.vist}',
    );
    const e = await failure(pipelineFile(`tasks:\n  a:${bad}\n`));
    expect(e.message).toMatch(/unknown placeholder\(s\) \{dataId\.vist\}/);
    const e2 = await failure(pipelineFile(`task:\n  isr: TASKS#isr\n`));
    expect(e2.message).toMatch(/unknown key "task" \(did you mean "tasks"\?\)/);
    expect(e2.location.line).toBe(1);
  });

  it('rejects undefined parameters', async () => {
    const e = await failure(
      pipelineFile(
        `parameters: { bias: 1 }\ntasks:\n  isr:\n    class: TASKS#isr\n    config: { bias: parameters.bais }\n`,
      ),
    );
    expect(e.message).toMatch(/undefined parameter "bais" \(did you mean "bias"\?\)/);
  });
});
