/** bps clustering of an LSST graph's node list into run-qbb jobs, as ctrl_bps makes them: no processes. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterDef, ClusteringConfig } from '../../src/config/index.js';
import { ConfigError, GraphError } from '../../src/errors.js';
import {
  clusterLsstWorkflow,
  lsstClusterSource,
  lsstClusters,
  type LsstClusterOptions,
} from '../../src/qgraph/lsst/cluster.js';
import type { CommandValues } from '../../src/qgraph/lsst/commands.js';
import type { LsstNodes } from '../../src/qgraph/lsst/nodes.js';
import { lsstTemplates } from '../../src/qgraph/lsst/prepare.js';
import { lsstWorkflow } from '../../src/qgraph/lsst/workflow.js';
import { clusterIndexSchema } from '../../src/task/cluster-file.js';

const commands: CommandValues = {
  stack: { pipetask: '/st/bin/pipetask', butler: '/st/bin/butler', python: '/st/bin/python', source: 'test' },
  options: {},
  values: { butlerConfig: '/repo', qgraphFile: '/sub/lsst.qg', outputRun: 'u/me/r', output: 'u/me' },
};

/** 12 detectors of `scale` (ids sd00..sd11, in reverse so that sorting shows), one `sum` reading all. */
function graph(): LsstNodes {
  const scale = Array.from({ length: 12 }, (_, d) => ({
    id: `sd${String(11 - d).padStart(2, '0')}`,
    label: 'scale',
    dataId: { instrument: 'X', detector: d },
    implied: { purpose: d % 2 ? 'odd' : 'even' },
    needs: [],
    metadata: `/repo/u/me/r/scale_metadata/scale_metadata_X_${d}.json`,
  }));
  return {
    outputRun: 'u/me/r',
    output: 'u/me',
    inputs: ['raw'],
    tasks: [
      { label: 'scale', parents: [] },
      { label: 'sum', parents: ['scale'] },
    ],
    nodes: [
      ...scale,
      {
        id: 'sum0',
        label: 'sum',
        dataId: { instrument: 'X' },
        needs: scale.map((s) => s.id),
        metadata: null,
      },
    ],
  };
}

function def(label: string, extra: Partial<ClusterDef>): ClusterDef {
  return {
    label,
    pipetasks: ['scale'],
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

function workflowOf(g: LsstNodes, raw: LsstClusterOptions['raw'] = {}) {
  const templates = lsstTemplates(raw);
  return {
    templates,
    wf: lsstWorkflow({
      name: 'x',
      nodes: g.nodes,
      commands,
      templates,
      resources: (label) => ({
        requestMemory: label === 'sum' ? 4096 : 1024,
        requestCpus: 1,
        timeoutSec: 60,
        numberOfRetries: 1,
      }),
    }),
  };
}

describe('clustering an LSST graph', () => {
  it('partitions as bps: partition values sorted as strings (detector 10 before 2)', () => {
    const g = graph();
    const clusters = lsstClusters(
      g,
      config(def('scale', { partitionDimensions: ['detector'], partitionMaxClusters: 2 })),
    );
    const detectors = (i: number) => clusters[i].quanta.map((qi) => g.nodes[qi].dataId.detector);
    expect(clusters.map((c) => c.name)).toEqual(['scale_001', 'scale_002']);
    // sorted("0".."11") = 0 1 10 11 2 3 | 4 5 6 7 8 9, in two partitions of 6
    expect(detectors(0).sort((a, b) => Number(a) - Number(b))).toEqual([0, 1, 2, 3, 10, 11]);
    expect(detectors(1)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it("groups by implied dimension values too, as bps reads the quantum's full data ID", () => {
    const g = graph();
    const clusters = lsstClusters(g, config(def('byPurpose', { dimensions: ['purpose'] })));
    expect(clusters.map((c) => [c.name, c.quanta.length, c.tags])).toEqual([
      ['byPurpose_even', 6, { purpose: 'even' }],
      ['byPurpose_odd', 6, { purpose: 'odd' }],
    ]);
  });

  it('makes one run-qbb job per cluster with the sorted, comma-joined node ids, and remaps needs', () => {
    const g = graph();
    const { wf, templates } = workflowOf(g);
    const submitDir = mkdtempSync(join(tmpdir(), 'quanta-lsst-cluster-'));
    const clusters = lsstClusters(
      g,
      config(def('scale', { partitionDimensions: ['detector'], partitionMaxSize: 6 })),
    );
    const out = clusterLsstWorkflow(wf, g, clusters, {
      submitDir,
      raw: {},
      commands,
      runQuantum: templates.runQuantum,
    });
    expect(out.jobs.map((j) => [j.id, j.needs])).toEqual([
      ['pipetaskInit', []],
      ['scale_001', ['pipetaskInit']],
      ['scale_002', ['pipetaskInit']],
      ['sum', ['pipetaskInit', 'scale_001', 'scale_002']],
      ['finalJob', ['sum']],
    ]);
    const argv = out.jobs[1].argv!;
    const ids = argv[argv.indexOf('--qgraph-node-id') + 1];
    expect(ids).toBe('sd00,sd01,sd08,sd09,sd10,sd11'); // detectors 0 1 10 11 2 3, ids sorted
    expect(argv.slice(3, 6)).toEqual(['run-qbb', '/repo', '/sub/lsst.qg']);
    // resources as bps: the largest of its quanta's, the sum of their time limits
    expect(out.jobs[1]).toMatchObject({ requestMemory: 1024, numberOfRetries: 1, timeoutSec: 360 });
    const index = clusterIndexSchema.parse(
      JSON.parse(readFileSync(join(submitDir, 'clusters', 'index.json'), 'utf8')),
    );
    expect(index.clusters.scale_001.quanta.map((q) => q.jobId)).toEqual([
      'scale.0',
      'scale.1',
      'scale.2',
      'scale.3',
      'scale.10',
      'scale.11',
    ]);
    expect(index.clusters.scale_001.quanta[4].result).toBe(
      '/repo/u/me/r/scale_metadata/scale_metadata_X_10.json',
    );
  });

  it("takes the cluster section's runQuantumCommand, and refuses labels whose commands differ", () => {
    const g = graph();
    const both = config(def('all', { pipetasks: ['scale', 'sum'] }));
    const clusters = lsstClusters(g, both);
    expect(clusters.map((c) => [c.name, c.quanta.length])).toEqual([['all', 13]]);
    const raw = {
      pipetask: {
        sum: {
          runQuantumCommand:
            'pipetask run-qbb {butlerConfig} {qgraphFile} --qgraph-node-id {qgraphNodeId} -j 2',
        },
      },
    };
    const { wf, templates } = workflowOf(g, raw);
    const opts = {
      submitDir: mkdtempSync(join(tmpdir(), 'quanta-lsst-cluster-')),
      commands,
      runQuantum: templates.runQuantum,
    };
    let e: unknown;
    try {
      clusterLsstWorkflow(wf, g, clusters, { ...opts, raw });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe('LSST_CLUSTER_COMMAND');
    expect((e as ConfigError).message).toMatch(
      /cluster all: its task labels scale and sum have different runQuantumCommand/,
    );
    const own = {
      ...raw,
      cluster: {
        all: {
          runQuantumCommand:
            'pipetask run-qbb {butlerConfig} {qgraphFile} --qgraph-node-id {qgraphNodeId} -j 4',
        },
      },
    };
    const out = clusterLsstWorkflow(wf, g, clusters, { ...opts, raw: own });
    expect(out.jobs.map((j) => j.id)).toEqual(['pipetaskInit', 'all', 'finalJob']);
    expect(out.jobs[1].argv!.slice(-2)).toEqual(['-j', '4']);
    expect(out.jobs[1].requestMemory).toBe(4096);
    expect(out.jobs[2].needs).toEqual(['all']);
  });

  it('checks the pipeline task graph as bps: a cycle between clusters is refused', () => {
    const g = graph();
    g.tasks = [
      { label: 'a', parents: [] },
      { label: 'scale', parents: ['a'] },
      { label: 'b', parents: ['scale'] },
      { label: 'sum', parents: ['b'] },
    ];
    // no quanta of a or b, but their task edges make scale+sum and a+b depend on each other
    const e = (() => {
      try {
        lsstClusters(
          g,
          config(def('x', { pipetasks: ['scale', 'sum'] }), def('y', { pipetasks: ['a', 'b'] })),
        );
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(GraphError);
    expect((e as GraphError).message).toMatch(/clusters depend on each other in a cycle/);
  });

  it('works from an older node list without tasks: labels and edges from the quanta', () => {
    const g = graph();
    delete g.tasks;
    expect(lsstClusterSource(g).tasks).toEqual([
      { label: 'scale', parents: [] },
      { label: 'sum', parents: ['scale'] },
    ]);
    expect(lsstClusters(g, { algorithm: 'single', clusters: [], file: 'bps.yaml' })).toEqual([]);
  });
});
