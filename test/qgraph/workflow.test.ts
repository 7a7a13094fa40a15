import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildQuantumGraph } from '../../src/qgraph/builder.js';
import { parseWorkflow } from '../../src/engine/workflow.js';
import { toWorkflow } from '../../src/qgraph/workflow.js';
import { quantumFileSchema } from '../../src/task/quantum-file.js';
import { conn, memorySource, rawInputs, taskNode, toyRows } from './memory-source.js';
import { regionsOverlap as overlaps } from '../../src/butler/region.js';

const ED = ['instrument', 'exposure', 'detector'];
const VD = ['instrument', 'visit', 'detector'];

async function smallGraph() {
  const rows = toyRows([10, 11], [0, 1]);
  const source = memorySource({
    rows,
    patches: [],
    vdr: [],
    inputs: {
      raw: rawInputs(rows, 'raw/all'),
    },
    outputRun: {},
  });
  const isr = taskNode(
    'isr',
    ED,
    { ccd: conn('raw', ED, { storageClass: 'Exposure' }) },
    { out: conn('postISRCCD', ED, { storageClass: 'Exposure' }) },
  );
  const script = taskNode(
    'script',
    VD,
    { exp: conn('postISRCCD', ED, { storageClass: 'Exposure' }) },
    { cat: conn('cat', VD, { storageClass: 'Catalog' }) },
  );
  script.kind = 'command';
  script.argv = ['python', 'x.py', '{input.exp}', '--out={output.cat}', '--det', '{dataId.detector}'];
  const { graph } = await buildQuantumGraph([isr, script], source, {
    outputRun: 'u/me/run',
    inputCollections: ['c'],
    overlaps,
  });
  return graph;
}

describe('toWorkflow', () => {
  it('makes one job per quantum with needs, per-label resources and quantum files', async () => {
    const graph = await smallGraph();
    const submitDir = mkdtempSync(join(tmpdir(), 'quanta-wf-'));
    const wf = toWorkflow(graph, {
      name: 'test',
      submitDir,
      datastoreRoot: '/repo',
      resources: (label) => ({
        requestMemory: label === 'isr' ? 3000 : 1000,
        requestCpus: 1,
        numberOfRetries: 2,
        memoryMultiplier: 2,
      }),
    });
    expect(wf.jobs.map((j) => j.id).sort()).toEqual([
      'isr.10.0',
      'isr.10.1',
      'isr.11.0',
      'isr.11.1',
      'script.10.0',
      'script.10.1',
      'script.11.0',
      'script.11.1',
    ]);
    const isrJob = wf.jobs.find((j) => j.id === 'isr.11.1')!;
    expect(isrJob).toMatchObject({
      label: 'isr',
      requestMemory: 3000,
      requestCpus: 1,
      needs: [],
      numberOfRetries: 2,
      memoryMultiplier: 2,
    });
    expect(isrJob.task!.quantumFile).toBe(join(submitDir, 'quanta', 'isr', 'isr.11.1.json'));
    expect(isrJob.outputs).toHaveLength(1);
    expect(isrJob.outputs![0]).toMatchObject({
      datasetType: 'postISRCCD',
      run: 'u/me/run',
      dataId: { instrument: 'ToyCam', exposure: 11, detector: 1 },
    });

    const q = quantumFileSchema.parse(JSON.parse(readFileSync(isrJob.task!.quantumFile, 'utf8')));
    expect(q.task).toMatchObject({ label: 'isr', module: '/x.ts', exportName: 'isr' });
    expect(q.inputs.ccd[0]).toMatchObject({
      datasetType: 'raw',
      storageClass: 'Exposure',
      path: 'raw/11_1.fits',
    });
    expect(q.outputs.out[0].id).toBe(isrJob.outputs![0].id);
    expect(q.datastoreRoot).toBe('/repo');

    // the engine accepts it as is (contract item 6)
    expect(parseWorkflow(JSON.parse(JSON.stringify(wf))).jobs).toHaveLength(8);

    const scriptJob = wf.jobs.find((j) => j.id === 'script.11.1')!;
    expect(scriptJob.needs).toEqual(['isr.11.1']);
    expect(scriptJob.task).toBeUndefined();
    expect(scriptJob.argv).toEqual([
      'python',
      'x.py',
      join('/repo', q.outputs.out[0].path),
      `--out=${join('/repo', scriptJob.outputs![0].path)}`,
      '--det',
      '1',
    ]);
  });
});
