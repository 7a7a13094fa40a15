// Dimension clustering of a quantum graph, as bps's dimension_clustering makes its clusters.
import { describe, expect, it } from 'vitest';
import { regionsOverlap as overlaps } from '../../src/butler/region.js';
import type { ClusterDef, ClusteringConfig } from '../../src/config/index.js';
import { GraphError } from '../../src/errors.js';
import { buildQuantumGraph } from '../../src/qgraph/builder.js';
import { clusterQuanta } from '../../src/qgraph/cluster.js';
import type { QuantumGraph } from '../../src/qgraph/types.js';
import { conn, memorySource, rawInputs, taskNode, toyRows } from './memory-source.js';

const ED = ['instrument', 'exposure', 'detector'];
const VD = ['instrument', 'visit', 'detector'];

async function graphOf(visits: number[], detectors: number[]): Promise<QuantumGraph> {
  const rows = toyRows(visits, detectors);
  const source = memorySource({
    rows,
    patches: [],
    vdr: [],
    inputs: { raw: rawInputs(rows, 'raw/all') },
    outputRun: {},
  });
  const tasks = [
    taskNode('isr', ED, { ccd: conn('raw', ED) }, { out: conn('postISRCCD', ED) }),
    taskNode('characterizeImage', VD, { exp: conn('postISRCCD', ED) }, { out: conn('icExp', VD) }),
    taskNode('calibrate', VD, { exp: conn('icExp', VD) }, { out: conn('calexp', VD) }),
    taskNode(
      'visitSummary',
      ['instrument', 'visit'],
      { cal: conn('calexp', VD, { multiple: true }) },
      { out: conn('visitSum', ['instrument', 'visit']) },
    ),
  ];
  return (
    await buildQuantumGraph(tasks, source, { outputRun: 'u/me/run', inputCollections: ['c'], overlaps })
  ).graph;
}

function def(label: string, extra: Partial<ClusterDef>): ClusterDef {
  return {
    label,
    pipetasks: [],
    dimensions: [],
    equalDimensions: [],
    partitionDimensions: [],
    resources: {},
    where: { file: 'bps.yaml', line: 3, column: 3 },
    ...extra,
  };
}

const config = (...clusters: ClusterDef[]): ClusteringConfig => ({
  algorithm: 'dimension',
  clusters,
  file: 'bps.yaml',
});

const SFP = def('sfp', {
  pipetasks: ['isr', 'characterizeImage', 'calibrate', 'notInThisPipeline'],
  dimensions: ['visit', 'detector'],
  equalDimensions: [['visit', 'exposure']],
  resources: { requestMemory: 3000 },
});

function shape(g: QuantumGraph, clusters: ReturnType<typeof clusterQuanta>) {
  return clusters.map((c) => ({
    name: c.name,
    quanta: c.quanta.map(
      (i) =>
        `${g.quanta[i].label}@${g.quanta[i].dataId.exposure ?? g.quanta[i].dataId.visit}.${g.quanta[i].dataId.detector}`,
    ),
  }));
}

function failure(f: () => unknown): GraphError {
  try {
    f();
  } catch (e) {
    if (e instanceof GraphError) return e;
    throw e;
  }
  throw new Error('expected a GraphError');
}

describe('clusterQuanta', () => {
  it('groups the quanta of a section by its dimensions, upstream tasks first, named as bps names them', async () => {
    const g = await graphOf([10, 11], [0, 1]);
    const clusters = clusterQuanta(g, config(SFP));
    expect(shape(g, clusters)).toEqual([
      { name: 'sfp_10_0', quanta: ['isr@10.0', 'characterizeImage@10.0', 'calibrate@10.0'] },
      { name: 'sfp_10_1', quanta: ['isr@10.1', 'characterizeImage@10.1', 'calibrate@10.1'] },
      { name: 'sfp_11_0', quanta: ['isr@11.0', 'characterizeImage@11.0', 'calibrate@11.0'] },
      { name: 'sfp_11_1', quanta: ['isr@11.1', 'characterizeImage@11.1', 'calibrate@11.1'] },
    ]);
    expect(clusters[0]).toMatchObject({
      label: 'sfp',
      tags: { visit: 10, detector: 0 },
      resources: { requestMemory: 3000 },
    });
    // visitSummary is in no section: it stays one quantum per job, outside every cluster
    const clustered = new Set(clusters.flatMap((c) => c.quanta));
    expect(g.quanta.filter((_, i) => !clustered.has(i)).map((q) => q.label)).toEqual([
      'visitSummary',
      'visitSummary',
    ]);
    expect(clusterQuanta(g, { ...config(SFP), algorithm: 'single' })).toEqual([]);
  });

  it('fills a clusterTemplate and names clusters without dimensions by their label', async () => {
    const g = await graphOf([10, 11], [0]);
    const t = def('perVisit', {
      pipetasks: ['characterizeImage', 'calibrate'],
      dimensions: ['visit'],
      clusterTemplate: '{label}__v{visit}/{nothing}',
    });
    expect(clusterQuanta(g, config(t)).map((c) => c.name)).toEqual(['perVisit_v10_', 'perVisit_v11_']);
    const all = def('all', { pipetasks: ['calibrate'] });
    expect(clusterQuanta(g, config(all)).map((c) => [c.name, c.quanta.length])).toEqual([['all', 2]]);
  });

  it('partitions by partitionDimensions: partitionMaxClusters jobs, values sorted as numbers', async () => {
    const g = await graphOf([9, 10, 11], [0, 1]);
    const byDetector = (extra: Partial<ClusterDef>) =>
      def('det', {
        pipetasks: ['isr', 'characterizeImage'],
        dimensions: ['detector'],
        equalDimensions: [['visit', 'exposure']],
        partitionDimensions: ['visit'],
        ...extra,
      });
    // 2 detector clusters, floor(5 / 2) = 2 partitions of the 3 visits: {9, 10} and {11}
    const clusters = clusterQuanta(g, config(byDetector({ partitionMaxClusters: 5 })));
    expect(shape(g, clusters)).toEqual([
      {
        name: 'det_0_001',
        quanta: ['isr@9.0', 'isr@10.0', 'characterizeImage@9.0', 'characterizeImage@10.0'],
      },
      {
        name: 'det_1_001',
        quanta: ['isr@9.1', 'isr@10.1', 'characterizeImage@9.1', 'characterizeImage@10.1'],
      },
      { name: 'det_0_002', quanta: ['isr@11.0', 'characterizeImage@11.0'] },
      { name: 'det_1_002', quanta: ['isr@11.1', 'characterizeImage@11.1'] },
    ]);
    const bySize = clusterQuanta(g, config(byDetector({ partitionMaxSize: 1 })));
    expect(bySize.map((c) => c.name).sort()).toEqual([
      'det_0_001',
      'det_0_002',
      'det_0_003',
      'det_1_001',
      'det_1_002',
      'det_1_003',
    ]);
    const e = failure(() => clusterQuanta(g, config(byDetector({ partitionMaxClusters: 1 }))));
    expect(e.code).toBe('CLUSTER_INVALID');
    expect(e.message).toMatch(/partitionMaxClusters \(1\) is less than the 2 clusters/);
  });

  it('refuses a label in two sections, a quantum without a cluster dimension, and clusters in a cycle', async () => {
    const g = await graphOf([10], [0]);
    const twice = failure(() => clusterQuanta(g, config(SFP, def('again', { pipetasks: ['calibrate'] }))));
    expect(twice.code).toBe('CLUSTER_INVALID');
    expect(twice.exitCode).toBe(2);
    expect(twice.message).toMatch(
      /task label calibrate is in more than one cluster section \(sfp and again\)/,
    );
    expect(twice.location).toMatchObject({ file: 'bps.yaml', line: 3, key: 'cluster.again' });

    const noVisit = failure(() => clusterQuanta(g, config({ ...SFP, equalDimensions: [] })));
    expect(noVisit.message).toMatch(
      /quantum isr \(instrument=ToyCam .*exposure=10.*\) has no visit.*add equalDimensions/,
    );

    const cycle = failure(() =>
      clusterQuanta(g, config(def('split', { pipetasks: ['isr', 'calibrate'], dimensions: ['detector'] }))),
    );
    expect(cycle.message).toMatch(
      /cycle \((split -> task characterizeImage -> split|task characterizeImage -> split -> task characterizeImage)\)/,
    );
  });
});
