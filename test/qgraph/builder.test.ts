import { describe, expect, it } from 'vitest';
import { GraphError } from '../../src/errors.js';
import { buildQuantumGraph, type BuildOptions } from '../../src/qgraph/builder.js';
import { decodeQuantumGraph, encodeQuantumGraph } from '../../src/qgraph/file.js';
import type { QuantumGraph } from '../../src/qgraph/types.js';
import { regionsOverlap as overlaps } from '../../src/butler/region.js';
import {
  box,
  conn,
  memorySource,
  rawInputs,
  taskNode,
  ED,
  VD,
  isr,
  char,
  toyRows,
  uuid,
  type MemoryRepo,
} from './memory-source.js';

const calib = taskNode(
  'calibrate',
  VD,
  { exp: conn('icExp', VD), src: conn('icSrc', VD) },
  { calexp: conn('calexp', VD) },
);
const singleFrame = [isr, char, calib];

function repoWith(
  visits: number[],
  detectors: number[],
  where?: (r: Record<string, unknown>) => boolean,
): MemoryRepo {
  const rows = toyRows(visits, detectors);
  return {
    rows,
    patches: [],
    vdr: [],
    inputs: {
      raw: rawInputs(rows, 'ToyCam/raw/all'),
    },
    outputRun: {},
    where,
  };
}

const opts: BuildOptions = { outputRun: 'u/test/run', inputCollections: ['ToyCam/defaults'], overlaps };

function producersOf(g: QuantumGraph, qi: number, conn: string): string[] {
  return g.quanta[qi].inputs[conn].map((d) => {
    const p = g.datasets.get(d).producer;
    return p < 0 ? 'existing' : g.quanta[p].label;
  });
}

describe('buildQuantumGraph (pure)', () => {
  it('makes one quantum per visit x detector for each single-frame task, with the right edges', async () => {
    const repo = repoWith([10, 11, 12, 13], [0, 1, 2], (r) => [10, 11, 12].includes(r.visit as number));
    const { graph, counts } = await buildQuantumGraph(singleFrame, memorySource(repo), opts);
    expect(counts).toEqual({ isr: 9, characterizeImage: 9, calibrate: 9 });
    // 9 raws (query-restricted) + 9 postISRCCD + 18 char outputs + 9 calexp
    expect(graph.datasets.length).toBe(45);
    const c0 = graph.quanta.findIndex(
      (q) => q.label === 'calibrate' && q.dataId.visit === 11 && q.dataId.detector === 2,
    );
    expect(producersOf(graph, c0, 'exp')).toEqual(['characterizeImage']);
    const producer = graph.quanta[graph.datasets.get(graph.quanta[c0].inputs.exp[0]).producer];
    expect(producer.dataId).toMatchObject({ visit: 11, detector: 2 });
    for (const q of graph.quanta.filter((x) => x.label === 'characterizeImage')) {
      // exposure -> visit through the registry's join: exactly the one postISRCCD of that exposure
      expect(q.inputs.exp.length).toBe(1);
      expect(graph.datasets.get(q.inputs.exp[0]).dataId).toMatchObject({
        exposure: q.dataId.visit,
        detector: q.dataId.detector,
      });
    }
    const i0 = graph.quanta.findIndex((q) => q.label === 'isr');
    expect(producersOf(graph, i0, 'ccd')).toEqual(['existing']);
    // predicted outputs carry expanded data IDs (band) and datastore paths
    const out = graph.datasets.get(graph.quanta[c0].outputs.calexp[0]);
    expect(out.dataId).toMatchObject({ instrument: 'ToyCam', visit: 11, detector: 2, band: 'g' });
    expect(out.path).toContain('u/test/run/calexp/');
    expect(out.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gathers all detectors of a visit into one visit-level quantum', async () => {
    const visitTask = taskNode(
      'visitSummary',
      ['instrument', 'visit'],
      { cal: conn('calexp', VD, { multiple: true }) },
      { sum: conn('visitSummary', ['instrument', 'visit']) },
    );
    const repo = repoWith([10, 11], [0, 1, 2]);
    const { graph, counts } = await buildQuantumGraph([...singleFrame, visitTask], memorySource(repo), opts);
    expect(counts.visitSummary).toBe(2);
    for (const q of graph.quanta.filter((x) => x.label === 'visitSummary')) {
      const dets = q.inputs.cal.map((d) => graph.datasets.get(d).dataId.detector).sort();
      expect(dets).toEqual([0, 1, 2]);
      expect(q.inputs.cal.every((d) => graph.datasets.get(d).dataId.visit === q.dataId.visit)).toBe(true);
    }
  });

  it('gives coadd-style patch quanta exactly the visits whose detector regions overlap the patch, per band', async () => {
    const repo = repoWith([10, 11, 12], [0]);
    // patches: 0 = [0,1]x[0,1], 1 = [1,2]x[0,1]
    repo.patches = [
      { dataId: { skymap: 'sky', tract: 0, patch: 0 }, region: box(0, 0, 1, 1) },
      { dataId: { skymap: 'sky', tract: 0, patch: 1 }, region: box(1, 0, 2, 1) },
    ];
    // visit 10 (r) on patch 0 only, visit 11 (g) straddles both, visit 12 (r) on patch 1 only
    repo.vdr = [
      { dataId: { instrument: 'ToyCam', visit: 10, detector: 0 }, region: box(0.2, 0.2, 0.4, 0.4) },
      { dataId: { instrument: 'ToyCam', visit: 11, detector: 0 }, region: box(0.9, 0.2, 1.1, 0.4) },
      { dataId: { instrument: 'ToyCam', visit: 12, detector: 0 }, region: box(1.5, 0.5, 1.7, 0.7) },
    ];
    const coadd = taskNode(
      'assembleCoadd',
      ['skymap', 'tract', 'patch', 'band'],
      { cal: conn('calexp', VD, { multiple: true }) },
      { coadd: conn('deepCoadd', ['skymap', 'tract', 'patch', 'band']) },
    );
    const { graph, counts } = await buildQuantumGraph([...singleFrame, coadd], memorySource(repo), opts);
    const got = graph.quanta
      .filter((q) => q.label === 'assembleCoadd')
      .map(
        (q) =>
          `${q.dataId.patch}${q.dataId.band}:${q.inputs.cal.map((d) => graph.datasets.get(d).dataId.visit).join(',')}`,
      )
      .sort();
    expect(got).toEqual(['0g:11', '0r:10', '1g:11', '1r:12']);
    expect(counts.assembleCoadd).toBe(4);
  });

  it('skips quanta whose outputs exist in the output run and feeds those outputs downstream', async () => {
    const repo = repoWith([10, 11], [0, 1]);
    repo.outputRun = {
      postISRCCD: [
        {
          id: uuid(),
          dataId: { instrument: 'ToyCam', exposure: 10, detector: 0 },
          run: opts.outputRun,
          path: 'u/test/run/postISRCCD/10_0.fits',
        },
      ],
    };
    const { graph, counts, skipped } = await buildQuantumGraph(singleFrame, memorySource(repo), {
      ...opts,
      skipExisting: true,
    });
    expect(counts.isr).toBe(3);
    expect(skipped.isr).toBe(1);
    expect(counts.characterizeImage).toBe(4);
    const q = graph.quanta.findIndex(
      (x) => x.label === 'characterizeImage' && x.dataId.visit === 10 && x.dataId.detector === 0,
    );
    expect(producersOf(graph, q, 'exp')).toEqual(['existing']);
    expect(graph.datasets.get(graph.quanta[q].inputs.exp[0]).path).toBe('u/test/run/postISRCCD/10_0.fits');
  });

  it('refuses to overwrite outputs in the output run without --skip-existing', async () => {
    const repo = repoWith([10], [0]);
    repo.outputRun = {
      postISRCCD: [
        { id: uuid(), dataId: { instrument: 'ToyCam', exposure: 10, detector: 0 }, run: opts.outputRun },
      ],
    };
    await expect(buildQuantumGraph(singleFrame, memorySource(repo), opts)).rejects.toThrow(/skip-existing/);
  });

  it('names the task, dataset type and data IDs when a needed input is missing everywhere', async () => {
    const repo = repoWith([10, 11], [0, 1]);
    repo.inputs.raw = [];
    const err = await buildQuantumGraph(singleFrame, memorySource(repo), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraphError);
    expect((err as GraphError).message).toMatch(
      /task isr: input raw is missing for all 4 candidate quanta, e\.g\. instrument=ToyCam .*exposure=10/,
    );
    expect((err as GraphError).message).toContain('ToyCam/defaults');
  });

  it('drops (and reports) quanta for partially missing inputs', async () => {
    const repo = repoWith([10, 11], [0, 1]);
    repo.inputs.raw = repo.inputs.raw.filter((r) => r.dataId.detector !== 1 || r.dataId.exposure !== 11);
    const { counts, dropped } = await buildQuantumGraph(singleFrame, memorySource(repo), opts);
    expect(counts).toEqual({ isr: 3, characterizeImage: 3, calibrate: 3 });
    expect(dropped.find((d) => d.label === 'isr')).toMatchObject({ datasetType: 'raw', count: 1 });
  });

  it('fails on a missing prerequisite input', async () => {
    const withCamera = taskNode(
      'isr',
      ED,
      { ccd: conn('raw', ED) },
      { out: conn('postISRCCD', ED) },
      { camera: conn('camera', ['instrument']) },
    );
    const err = await buildQuantumGraph([withCamera], memorySource(repoWith([10], [0])), opts).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/prerequisite input camera is missing/);
  });

  it('round-trips through the QG file encoding', async () => {
    const repo = repoWith([10, 11, 12], [0, 1]);
    const { graph } = await buildQuantumGraph(singleFrame, memorySource(repo), opts);
    const back = decodeQuantumGraph(encodeQuantumGraph(graph));
    expect(back.quanta.length).toBe(graph.quanta.length);
    expect(back.tasks).toEqual(JSON.parse(JSON.stringify(graph.tasks)));
    // compare through dataset identity (indices are regrouped by type in the file)
    const view = (g: QuantumGraph) =>
      g.quanta.map((q) => ({
        label: q.label,
        dataId: q.dataId,
        inputs: Object.fromEntries(
          Object.entries(q.inputs).map(([k, v]) => [k, v.map((d) => g.datasets.get(d).id)]),
        ),
        outputs: Object.fromEntries(
          Object.entries(q.outputs).map(([k, v]) => [
            k,
            v.map((d) => ({ ...g.datasets.get(d), producer: g.datasets.get(d).producer })),
          ]),
        ),
      }));
    expect(view(back)).toEqual(view(graph));
  });
});
