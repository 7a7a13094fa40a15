/**
 * Clustering, as bps's `dimension_clustering` does it (docs/bps.md, "Clustering"): the quanta of
 * the task labels of each `cluster:` section are grouped by the values of the section's
 * `dimensions` (`equalDimensions` treating `visit` and `exposure` as one), optionally split
 * further by `partitionDimensions` into `partitionMaxClusters` jobs or `partitionMaxSize` values
 * per job. Quanta of labels no section names stay one per job. A pure function of the graph.
 *
 * The grouping reads a `ClusterSource` (the tasks, their order and edges, each quantum's label and
 * data ID), which both graphs give: quanta's own QuantumGraph (`quantumGraphSource`) and the node
 * list of an LSST graph that `pipetask qgraph` built (lsst/cluster.ts).
 */
import type { ClusterDef, ClusterResources, ClusteringConfig } from '../config/index.js';
import { GraphError } from '../errors.js';
import type { DataId } from '../task/define-task.js';
import { formatDataId } from './data-ids.js';
import type { QuantumGraph } from './types.js';

/** What the grouping needs of a graph. */
export interface ClusterSource {
  /** every task of the pipeline, in dependency order, with the labels it reads from */
  tasks: { label: string; parents: Iterable<string> }[];
  /** the quanta (indices are what clusters hold) */
  quanta: { label: string; dataId: DataId }[];
  /**
   * How partition values are sorted: `strings`, as bps does (`"=="`-joined `str()` values, so
   * detector 10 comes before 2), or `values` (numbers as numbers), quanta's own order.
   */
  partitionOrder: 'strings' | 'values';
}

/** quanta's own graph as a ClusterSource (partition values sorted as numbers, docs/bps.md). */
export function quantumGraphSource(graph: QuantumGraph): ClusterSource {
  const parents = labelEdges(graph);
  return {
    tasks: graph.tasks.map((t) => ({ label: t.label, parents: parents.get(t.label) ?? [] })),
    quanta: graph.quanta,
    partitionOrder: 'values',
  };
}

export interface QuantumCluster {
  /** the job name: `clusterTemplate`, or `<label>_<dim1 value>_<dim2 value>` (+ `_NNN` per partition) */
  name: string;
  /** the cluster label (the section's name) */
  label: string;
  /** indices into the source's `quanta`, in dependency order (upstream task labels first) */
  quanta: number[];
  /** the cluster dimensions' values (bps's job tags) */
  tags: DataId;
  /** what the section sets for its jobs */
  resources: ClusterResources;
}

function invalid(def: ClusterDef | undefined, file: string, message: string): GraphError {
  return new GraphError('CLUSTER_INVALID', message, {
    ...(def?.where ?? { file }),
    key: def ? `cluster.${def.label}` : 'cluster',
  });
}

/** label -> labels it reads from (producers of its inputs), among the graph's tasks. */
function labelEdges(graph: QuantumGraph): Map<string, Set<string>> {
  const producer = new Map<string, string>();
  for (const t of graph.tasks) for (const c of Object.values(t.outputs)) producer.set(c.datasetType, t.label);
  const parents = new Map<string, Set<string>>();
  for (const t of graph.tasks) {
    const p = new Set<string>();
    for (const c of [...Object.values(t.inputs), ...Object.values(t.prerequisiteInputs)]) {
      const from = producer.get(c.datasetType);
      if (from !== undefined && from !== t.label) p.add(from);
    }
    parents.set(t.label, p);
  }
  return parents;
}

/** A cycle among the clusters' label graph, or undefined (Kahn's algorithm, then a walk back). */
function findCycle(nodes: string[], parents: Map<string, Set<string>>): string[] | undefined {
  const indeg = new Map(nodes.map((n) => [n, parents.get(n)?.size ?? 0]));
  const children = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const n of nodes) for (const p of parents.get(n) ?? []) children.get(p)!.push(n);
  const queue = nodes.filter((n) => indeg.get(n) === 0);
  while (queue.length) {
    for (const c of children.get(queue.pop()!)!) {
      indeg.set(c, indeg.get(c)! - 1);
      if (indeg.get(c) === 0) queue.push(c);
    }
  }
  let cur = nodes.find((n) => indeg.get(n)! > 0);
  if (cur === undefined) return undefined;
  const path: string[] = [];
  while (!path.includes(cur)) {
    path.push(cur);
    cur = [...parents.get(cur)!].find((p) => indeg.get(p)! > 0)!;
  }
  return [...path.slice(path.indexOf(cur)), cur].reverse();
}

/** Values in order: numbers as numbers, then strings; keys of several values component by component. */
function compareValues(a: (string | number)[], b: (string | number)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

/** bps's order of partition keys: `str()` of each value joined with `==`, compared as strings. */
function compareBpsKeys(a: (string | number)[], b: (string | number)[]): number {
  const x = a.map(String).join('==');
  const y = b.map(String).join('==');
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Partition ids (1, 2, ...) of the sorted partition values, as bps: `partitionMaxClusters` makes
 * `floor(max / clusters)` partitions of near-equal size (the first ones one larger),
 * `partitionMaxSize` partitions of that many values.
 */
function partitionIds(
  def: ClusterDef,
  values: (string | number)[][],
  clusters: number,
  file: string,
): number[] {
  let size: number;
  let remainder = 0;
  if (def.partitionMaxClusters !== undefined) {
    if (clusters > def.partitionMaxClusters)
      throw invalid(
        def,
        file,
        `cluster ${def.label}: partitionMaxClusters (${def.partitionMaxClusters}) is less than the ${clusters} clusters its dimensions (${def.dimensions.join(', ')}) make; raise it to ${clusters} or more, or use partitionMaxSize`,
      );
    const chunks = Math.floor(def.partitionMaxClusters / clusters);
    size = Math.floor(values.length / chunks);
    remainder = values.length % chunks;
  } else {
    size = def.partitionMaxSize!;
  }
  const ids: number[] = [];
  let id = 0;
  let inCurrent = Infinity;
  let current = 0;
  let extra = 0;
  for (let i = 0; i < values.length; i++) {
    if (inCurrent >= current) {
      id++;
      inCurrent = 0;
      current = size + (extra < remainder ? 1 : 0);
      if (extra < remainder) extra++;
    }
    ids.push(id);
    inCurrent++;
  }
  return ids;
}

interface Member {
  quantum: number;
  name: string;
  tags: DataId;
  partition?: (string | number)[];
}

/** The value of `dim` for a quantum: its own, or that of the dimension declared equal to it. */
function dimValue(dataId: DataId, dim: string, equal: [string, string][]): string | number | undefined {
  if (dataId[dim] !== undefined) return dataId[dim];
  for (const [a, b] of equal) {
    if (a === dim && dataId[b] !== undefined) return dataId[b];
    if (b === dim && dataId[a] !== undefined) return dataId[a];
  }
  return undefined;
}

function memberOf(src: ClusterSource, qi: number, def: ClusterDef, template: string, file: string): Member {
  const q = src.quanta[qi];
  const info: Record<string, string | number> = { label: def.label };
  for (const dim of [...def.dimensions, ...def.partitionDimensions]) {
    const v = dimValue(q.dataId, dim, def.equalDimensions);
    if (v === undefined)
      throw invalid(
        def,
        file,
        `cluster ${def.label}: quantum ${q.label} (${formatDataId(q.dataId)}) has no ${dim}, one of the cluster's dimensions; remove ${q.label} from the cluster's pipetasks, change its dimensions, or add equalDimensions (e.g. visit:exposure)`,
      );
    info[dim] = v;
  }
  // bps: `{name}` filled in (unknown ones empty), runs of `_` collapsed, `/` made `_`
  const name = template
    .replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, k: string) =>
      info[k] === undefined ? '' : String(info[k]),
    )
    .replace(/_+/g, '_')
    .replace(/\//g, '_');
  const tags: DataId = {};
  for (const d of def.dimensions) tags[d] = info[d];
  return {
    quantum: qi,
    name,
    tags,
    ...(def.partitionDimensions.length ? { partition: def.partitionDimensions.map((d) => info[d]) } : {}),
  };
}

/** The clusters of one section, in the order their first quanta come. */
function clustersOf(
  src: ClusterSource,
  def: ClusterDef,
  labels: string[],
  byLabel: Map<string, number[]>,
  file: string,
): QuantumCluster[] {
  const template =
    def.clusterTemplate ??
    (def.dimensions.length ? `${def.label}_${def.dimensions.map((d) => `{${d}}`).join('_')}` : def.label);
  const members = labels.flatMap((l) =>
    (byLabel.get(l) ?? []).map((qi) => memberOf(src, qi, def, template, file)),
  );
  if (def.partitionDimensions.length) {
    const keys = new Map<string, (string | number)[]>();
    for (const m of members) keys.set(JSON.stringify(m.partition), m.partition!);
    const sorted = [...keys.values()].sort(
      src.partitionOrder === 'strings' ? (a, b) => compareBpsKeys(a, b) : compareValues,
    );
    const clusters = new Set(members.map((m) => m.name)).size;
    const ids = partitionIds(def, sorted, clusters, file);
    const idOf = new Map(sorted.map((v, i) => [JSON.stringify(v), ids[i]]));
    for (const m of members)
      m.name = `${m.name}_${String(idOf.get(JSON.stringify(m.partition))).padStart(3, '0')}`;
  }
  const out = new Map<string, QuantumCluster>();
  for (const m of members) {
    let c = out.get(m.name);
    if (!c) {
      c = { name: m.name, label: def.label, quanta: [], tags: m.tags, resources: def.resources };
      out.set(m.name, c);
    }
    c.quanta.push(m.quantum);
  }
  return [...out.values()];
}

/**
 * The clusters of `graph` under `config` ([] with the single-quantum algorithm). Labels a section
 * names that the graph does not have are left out, as bps does; a label in two sections, clusters
 * whose labels depend on each other both ways, and a quantum without a cluster dimension are errors.
 *
 * @example
 * ```ts
 * const clusters = clusterQuanta(graph, config.clustering); // [{ name: 'sfp_2340_12', label: 'sfp', quanta: [0, 37800, 75600], ... }]
 * ```
 */
export function clusterQuanta(graph: QuantumGraph, config: ClusteringConfig): QuantumCluster[] {
  if (config.algorithm !== 'dimension' || config.clusters.length === 0) return [];
  return groupQuanta(quantumGraphSource(graph), config);
}

/**
 * The clusters of any graph given as a ClusterSource (`clusterQuanta` for quanta's own graph).
 *
 * @example
 * ```ts
 * const clusters = groupQuanta(lsstClusterSource(nodes), config.clustering); // [{ name: 'scale', quanta: [0, 1, 2], ... }]
 * ```
 */
export function groupQuanta(src: ClusterSource, config: ClusteringConfig): QuantumCluster[] {
  if (config.algorithm !== 'dimension' || config.clusters.length === 0) return [];
  const file = config.file;
  const order = src.tasks.map((t) => t.label);
  const inGraph = new Set(order);
  const clusterOf = new Map<string, string>();
  const sections: { def: ClusterDef; labels: string[] }[] = [];
  for (const def of config.clusters) {
    const labels: string[] = [];
    for (const l of def.pipetasks) {
      if (!inGraph.has(l)) continue;
      const other = clusterOf.get(l);
      if (other !== undefined)
        throw invalid(
          def,
          file,
          `cluster ${def.label}: task label ${l} is in more than one cluster section (${other} and ${def.label}); a quantum runs in one job: remove it from one of them`,
        );
      clusterOf.set(l, def.label);
      labels.push(l);
    }
    // dependency order: the graph's tasks are topologically sorted
    if (labels.length) sections.push({ def, labels: order.filter((l) => labels.includes(l)) });
  }
  const parents = new Map(src.tasks.map((t) => [t.label, new Set(t.parents)]));
  const node = (l: string): string => clusterOf.get(l) ?? `task ${l}`;
  const clusterParents = new Map<string, Set<string>>();
  for (const l of order) {
    const set = clusterParents.get(node(l)) ?? new Set<string>();
    for (const p of parents.get(l) ?? []) if (node(p) !== node(l)) set.add(node(p));
    clusterParents.set(node(l), set);
  }
  const cycle = findCycle([...clusterParents.keys()], clusterParents);
  if (cycle) {
    const def = config.clusters.find((d) => cycle.includes(d.label));
    throw invalid(
      def,
      file,
      `clusters depend on each other in a cycle (${cycle.join(' -> ')}): their jobs cannot be ordered; a task label needs to be added to a cluster or removed from one`,
    );
  }
  const byLabel = new Map<string, number[]>();
  src.quanta.forEach((q, i) => {
    if (!clusterOf.has(q.label)) return;
    const list = byLabel.get(q.label);
    if (list) list.push(i);
    else byLabel.set(q.label, [i]);
  });
  return sections.flatMap((s) => clustersOf(src, s.def, s.labels, byLabel, file));
}
