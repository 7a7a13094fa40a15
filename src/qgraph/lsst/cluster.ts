/**
 * bps clustering on the LSST path (docs/lsst.md, "Clustering"): the quanta of an LSST graph are
 * grouped by the same code as quanta's own (qgraph/cluster.ts, through a ClusterSource), and each
 * cluster becomes one job, as ctrl_bps's transform makes it: one `pipetask run-qbb` whose
 * `{qgraphNodeId}` is the cluster's quantum UUIDs, sorted and joined with commas. Its command is
 * the cluster section's `runQuantumCommand`, else the one its task labels share (bps refuses a
 * cluster whose labels have different ones, and so does quanta). `clusters/index.json` lists the
 * quanta of each cluster job with the file that marks each one done (its `<label>_metadata` in
 * the datastore), for `quanta status` (engine/cluster-quanta.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ClusteringConfig } from '../../config/index.js';
import type { Tree } from '../../config/tree.js';
import { ConfigError } from '../../errors.js';
import { CLUSTER_INDEX, type ClusterIndex } from '../../task/cluster-file.js';
import { clusterJobResources, mergeClusterJobs } from '../cluster-jobs.js';
import { groupQuanta, type ClusterSource, type QuantumCluster } from '../cluster.js';
import type { Workflow } from '../workflow.js';
import { expandCommand, type CommandValues, type Template } from './commands.js';
import type { LsstNodes } from './nodes.js';

/** True when the submit YAML asks for clusters (dimension_clustering with sections). */
export const clusteringOn = (c: ClusteringConfig): boolean =>
  c.algorithm === 'dimension' && c.clusters.length > 0;

/**
 * An LSST graph as the grouping reads it: the pipeline's tasks (every one, as bps checks the
 * pipeline's task graph), each quantum's full data ID (required and implied values, as bps's
 * `data_id.mapping`), partition values ordered as bps orders them (strings).
 */
export function lsstClusterSource(g: LsstNodes): ClusterSource {
  let tasks = g.tasks;
  if (!tasks) {
    // an older helper: the labels in node order, edges from the quanta
    const labelOf = new Map(g.nodes.map((n) => [n.id, n.label]));
    const parents = new Map<string, Set<string>>();
    for (const n of g.nodes) {
      const p = parents.get(n.label) ?? new Set<string>();
      for (const up of n.needs) if (labelOf.get(up) !== n.label) p.add(labelOf.get(up)!);
      parents.set(n.label, p);
    }
    tasks = [...parents].map(([label, p]) => ({ label, parents: [...p] }));
  }
  return {
    tasks,
    quanta: g.nodes.map((n) => ({ label: n.label, dataId: { ...n.implied, ...n.dataId } })),
    partitionOrder: 'strings',
  };
}

export interface LsstClusterOptions {
  submitDir: string;
  /** the submit YAML (for each cluster section's own `runQuantumCommand`) */
  raw: Tree;
  commands: CommandValues;
  runQuantum: (label: string) => Template;
  /** write clusters/index.json (default true) */
  write?: boolean;
}

const section = (v: unknown): Tree => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Tree) : {});

/** The command template of a cluster: its section's, else the one its task labels share. */
function clusterTemplate(c: QuantumCluster, labels: string[], o: LsstClusterOptions): Template {
  const own = section(section(o.raw.cluster)[c.label]).runQuantumCommand;
  if (typeof own === 'string' && own) return { text: own, key: `cluster.${c.label}.runQuantumCommand` };
  const first = o.runQuantum(labels[0]);
  for (const l of labels.slice(1)) {
    const t = o.runQuantum(l);
    if (t.text !== first.text)
      throw new ConfigError(
        'LSST_CLUSTER_COMMAND',
        `cluster ${c.label}: its task labels ${labels[0]} and ${l} have different runQuantumCommand (${first.key} / ${t.key}); one pipetask run-qbb runs the whole cluster, so give the cluster its own: set cluster.${c.label}.runQuantumCommand, or make the labels' commands the same`,
        { key: `cluster.${c.label}.runQuantumCommand` },
      );
  }
  return first;
}

/**
 * `wf` (lsstWorkflow: pipetaskInit, one job per quantum, finalJob) with each cluster's quanta made
 * one `run-qbb` job. `wf.jobs[i + 1]` is the job of `g.nodes[i]`.
 *
 * @example
 * ```ts
 * const clusters = groupQuanta(lsstClusterSource(g), config.clustering);
 * const wf2 = clusterLsstWorkflow(wf, g, clusters, { submitDir, raw: config.raw, commands, runQuantum: templates.runQuantum });
 * wf2.jobs.map((j) => j.id); // ['pipetaskInit', 'addtasks_0', 'finalJob']
 * ```
 */
export function clusterLsstWorkflow(
  wf: Workflow,
  g: LsstNodes,
  clusters: QuantumCluster[],
  o: LsstClusterOptions,
): Workflow {
  if (!clusters.length) return wf;
  const index: ClusterIndex = { clusters: {} };
  const jobs = mergeClusterJobs(
    wf.jobs,
    clusters.map((c) => ({ name: c.name, jobs: c.quanta.map((qi) => qi + 1) })),
    (k, id, members, needs) => {
      const c = clusters[k];
      const nodes = c.quanta.map((qi) => g.nodes[qi]);
      const labels = [...new Set(nodes.map((n) => n.label))];
      const commands: CommandValues = {
        ...o.commands,
        values: {
          ...o.commands.values,
          qgraphNodeId: nodes
            .map((n) => n.id)
            .sort()
            .join(','),
          label: c.label,
        },
      };
      index.clusters[id] = {
        label: c.label,
        quanta: nodes.map((n, i) => ({ label: n.label, jobId: members[i].id, result: n.metadata ?? '' })),
      };
      return {
        id,
        label: c.label,
        argv: expandCommand(clusterTemplate(c, labels, o), commands),
        ...clusterJobResources(members, c.resources),
        needs,
      };
    },
  );
  if (o.write !== false) {
    const file = join(o.submitDir, CLUSTER_INDEX);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(index));
  }
  return { ...wf, jobs };
}

/** The clusters of an LSST graph under the submit YAML's clustering ([] when it has none). */
export function lsstClusters(g: LsstNodes, clustering: ClusteringConfig): QuantumCluster[] {
  return clusteringOn(clustering) ? groupQuanta(lsstClusterSource(g), clustering) : [];
}
