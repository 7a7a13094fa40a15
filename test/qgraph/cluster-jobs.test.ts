// Clusters as engine jobs: one job per cluster with its quanta's needs, outputs and the largest of
// their resources, running a cluster file whose finished quanta a rerun skips.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { regionsOverlap as overlaps } from '../../src/butler/region.js';
import type { ClusterDef } from '../../src/config/index.js';
import { parseWorkflow } from '../../src/engine/workflow.js';
import { ExecutorError } from '../../src/errors.js';
import { buildQuantumGraph } from '../../src/qgraph/builder.js';
import { clusterWorkflow } from '../../src/qgraph/cluster-jobs.js';
import { clusterQuanta } from '../../src/qgraph/cluster.js';
import { toWorkflow } from '../../src/qgraph/workflow.js';
import { clusterFileSchema, clusterIndexSchema } from '../../src/task/cluster-file.js';
import { runQuantum } from '../../src/task/run-quantum.js';
import { readClusterFile, runCluster } from '../../src/task/run-cluster.js';
import { conn, memorySource, rawInputs, taskNode, toyRows } from './memory-source.js';

const ED = ['instrument', 'exposure', 'detector'];
const VD = ['instrument', 'visit', 'detector'];
const V = ['instrument', 'visit'];

// a command writing its output file (argv[1]), exiting 3 instead when argv[2] is "1"
const WRITE = `const [out, mode] = process.argv.slice(1); if (mode === '1') process.exit(3); const fs = require('fs'); fs.mkdirSync(require('path').dirname(out), { recursive: true }); fs.writeFileSync(out, 'made ' + out);`;

/** a (ED) -> b (VD) -> c (visit), all commands; `failB`: b of detector 1 exits 3. */
async function commandGraph(failB = false) {
  const rows = toyRows([10, 11], [0, 1]);
  const source = memorySource({
    rows,
    patches: [],
    vdr: [],
    inputs: { raw: rawInputs(rows, 'raw/all') },
    outputRun: {},
  });
  const a = taskNode('a', ED, { raw: conn('raw', ED) }, { out: conn('aOut', ED) });
  const b = taskNode('b', VD, { in: conn('aOut', ED) }, { out: conn('bOut', VD) });
  const c = taskNode('c', V, { in: conn('bOut', VD, { multiple: true }) }, { out: conn('cOut', V) });
  for (const t of [a, b, c]) {
    t.kind = 'command';
    t.argv = [
      process.execPath,
      '-e',
      WRITE,
      '{output.out}',
      t.label === 'b' && failB ? '{dataId.detector}' : 'ok',
    ];
  }
  return (
    await buildQuantumGraph([a, b, c], source, { outputRun: 'u/me/run', inputCollections: ['c'], overlaps })
  ).graph;
}

const AB: ClusterDef = {
  label: 'ab',
  pipetasks: ['a', 'b'],
  dimensions: ['visit', 'detector'],
  equalDimensions: [['visit', 'exposure']],
  partitionDimensions: [],
  resources: { requestCpus: 2 },
  where: { file: 'bps.yaml' },
};

async function prepared(failB = false) {
  const graph = await commandGraph(failB);
  const submitDir = mkdtempSync(join(tmpdir(), 'quanta-cluster-jobs-'));
  const root = join(submitDir, 'repo');
  const wf = clusterWorkflow(
    toWorkflow(graph, {
      name: 't',
      submitDir,
      datastoreRoot: root,
      resources: (label) => ({
        requestMemory: label === 'a' ? 3000 : 1000,
        requestCpus: 1,
        numberOfRetries: label === 'b' ? 2 : 0,
        timeoutSec: label === 'a' ? 60 : 30,
      }),
    }),
    graph,
    clusterQuanta(graph, { algorithm: 'dimension', clusters: [AB], file: 'bps.yaml' }),
    { submitDir, datastoreRoot: root },
  );
  return { graph, submitDir, root, wf };
}

describe('cluster jobs', () => {
  it('makes one job per cluster: its quanta in order, their needs outside it, the largest resources', async () => {
    const { submitDir, wf } = await prepared();
    expect(wf.jobs.map((j) => j.id)).toEqual(['ab_10_0', 'ab_10_1', 'ab_11_0', 'ab_11_1', 'c.10', 'c.11']);
    const job = wf.jobs[0];
    expect(job).toMatchObject({
      label: 'ab',
      requestMemory: 3000, // the largest of its quanta's
      requestCpus: 2, // the cluster section's
      numberOfRetries: 2,
      timeoutSec: 90, // the sum of its quanta's
      needs: [],
    });
    expect(job.outputs!.map((o) => o.datasetType)).toEqual(['aOut', 'bOut']);
    expect(wf.jobs.find((j) => j.id === 'c.10')!.needs.sort()).toEqual(['ab_10_0', 'ab_10_1']);
    expect(parseWorkflow(JSON.parse(JSON.stringify(wf))).jobs).toHaveLength(6);

    const file = clusterFileSchema.parse(JSON.parse(readFileSync(job.task!.quantumFile, 'utf8')));
    expect(job.task!.quantumFile).toBe(join(submitDir, 'clusters', 'ab', 'ab_10_0.cluster.json'));
    expect(file.dataId).toEqual({ visit: 10, detector: 0 });
    expect(file.quanta.map((m) => [m.label, m.jobId])).toEqual([
      ['a', 'a.10.0'],
      ['b', 'b.10.0'],
    ]);
    expect(file.quanta[1].result).toBe(join(submitDir, 'quanta', 'b', 'b.10.0.result.json'));
    const index = clusterIndexSchema.parse(
      JSON.parse(readFileSync(join(submitDir, 'clusters', 'index.json'), 'utf8')),
    );
    expect(Object.keys(index.clusters)).toHaveLength(4);
    expect(index.clusters.ab_11_1.quanta.map((q) => q.jobId)).toEqual(['a.11.1', 'b.11.1']);
  });

  it('runs its quanta in one process, and on a rerun only those whose result or outputs are missing', async () => {
    const { wf } = await prepared();
    const clusterFile = wf.jobs[0].task!.quantumFile;
    const c = await readClusterFile(clusterFile);
    const first = await runCluster(clusterFile, runQuantum);
    expect(first).toMatchObject({ ran: ['a.10.0', 'b.10.0'], skipped: [] });
    for (const o of c.quanta.flatMap((m) => m.outputs))
      expect(readFileSync(o.path, 'utf8')).toBe(`made ${o.path}`);
    const result = JSON.parse(readFileSync(`${clusterFile}.result.json`, 'utf8'));
    expect(result.outputs.map((o: { id: string }) => o.id)).toEqual(wf.jobs[0].outputs!.map((o) => o.id));

    const again = await runCluster(clusterFile, runQuantum);
    expect(again).toMatchObject({ ran: [], skipped: ['a.10.0', 'b.10.0'] });
    rmSync(c.quanta[1].outputs[0].path);
    const mtime = statSync(c.quanta[0].outputs[0].path).mtimeMs;
    expect(await runCluster(clusterFile, runQuantum)).toMatchObject({ ran: ['b.10.0'], skipped: ['a.10.0'] });
    expect(statSync(c.quanta[0].outputs[0].path).mtimeMs).toBe(mtime);
    // the engine's entry point (warm and cold workers) takes a cluster file as it takes a quantum file
    expect((await runQuantum(clusterFile)).outputs).toHaveLength(2);
  });

  it('stops at the first quantum that fails, with the quanta before it done', async () => {
    const { wf } = await prepared(true);
    const clusterFile = wf.jobs.find((j) => j.id === 'ab_10_1')!.task!.quantumFile;
    const c = await readClusterFile(clusterFile);
    const e = await runCluster(clusterFile, runQuantum).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ExecutorError);
    expect((e as ExecutorError).code).toBe('CLUSTER_COMMAND_FAILED');
    expect((e as Error).message).toMatch(/cluster ab_10_1: quantum b\.10\.1 \(command .*\) exited with 3/);
    expect(existsSync(c.quanta[0].result)).toBe(true);
    expect(existsSync(c.quanta[1].result)).toBe(false);
    expect(existsSync(`${clusterFile}.result.json`)).toBe(false);
  });
});
