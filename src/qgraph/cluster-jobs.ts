/**
 * Clusters -> engine jobs (docs/bps.md, "Clustering"): the per-quantum jobs of a cluster's quanta
 * become one job, whose payload is the cluster file (task/cluster-file.ts) that lists them in
 * dependency order. Its resources are the cluster section's, else the largest of its quanta's
 * (memory, cores, retries, multiplier) and the sum of their time limits, as bps sets them; its
 * outputs are all of theirs; it needs the jobs its quanta need outside the cluster.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterFile, ClusterIndex, ClusterMember } from '../task/cluster-file.js';
import { CLUSTER_FILE_SUFFIX, CLUSTER_INDEX } from '../task/cluster-file.js';
import type { ClusterResources } from '../config/index.js';
import type { QuantumCluster } from './cluster.js';
import type { QuantumGraph } from './types.js';
import { safeIdPart, uniqueJobId, type Workflow, type WorkflowJob } from './workflow.js';

export interface ClusterJobsOptions {
  submitDir: string;
  datastoreRoot: string;
  /** write the cluster files (default true) */
  write?: boolean;
}

const max = (xs: (number | undefined)[]): number | undefined => {
  const d = xs.filter((x): x is number => x !== undefined);
  return d.length ? Math.max(...d) : undefined;
};

function member(job: WorkflowJob, graph: QuantumGraph, qi: number, o: ClusterJobsOptions): ClusterMember {
  return {
    label: job.label,
    jobId: job.id,
    dataId: graph.quanta[qi].dataId,
    ...(job.task ? { task: job.task } : {}),
    ...(job.argv ? { argv: job.argv } : {}),
    outputs: (job.outputs ?? []).map((x) => ({
      id: x.id,
      datasetType: x.datasetType,
      path: join(o.datastoreRoot, x.path),
    })),
    result: job.task
      ? `${job.task.quantumFile}.result.json`
      : join(o.submitDir, 'quanta', job.label, `${job.id}.result.json`),
  };
}

/**
 * `wf` (from toWorkflow, one job per quantum) with each cluster's quanta made one job.
 *
 * @example
 * ```ts
 * const wf = clusterWorkflow(toWorkflow(graph, opts), graph, clusterQuanta(graph, config.clustering), opts);
 * ```
 */
export function clusterWorkflow(
  wf: Workflow,
  graph: QuantumGraph,
  clusters: QuantumCluster[],
  o: ClusterJobsOptions,
): Workflow {
  return clusters.length ? { ...wf, jobs: clusterJobs(wf.jobs, graph, clusters, o) } : wf;
}

/** A cluster job's resources: its section's, else the largest of its quanta's and the sum of their time limits. */
export function clusterJobResources(
  members: WorkflowJob[],
  r: ClusterResources,
): Pick<
  WorkflowJob,
  'requestMemory' | 'requestCpus' | 'timeoutSec' | 'numberOfRetries' | 'memoryMultiplier'
> {
  const timeouts = members.map((m) => m.timeoutSec);
  const retries = r.numberOfRetries ?? max(members.map((m) => m.numberOfRetries));
  const multiplier = r.memoryMultiplier ?? max(members.map((m) => m.memoryMultiplier));
  const timeout =
    r.timeoutSec ??
    (timeouts.every((t) => t !== undefined) ? timeouts.reduce((a, b) => a! + b!, 0) : undefined);
  return {
    requestMemory: r.requestMemory ?? max(members.map((m) => m.requestMemory))!,
    requestCpus: r.requestCpus ?? max(members.map((m) => m.requestCpus))!,
    ...(timeout !== undefined ? { timeoutSec: timeout } : {}),
    ...(retries !== undefined ? { numberOfRetries: retries } : {}),
    ...(multiplier !== undefined ? { memoryMultiplier: multiplier } : {}),
  };
}

/**
 * The job list with the jobs of each cluster (`clusters[k]`: indices into `jobs`) replaced by the
 * one job `make` returns, at the place of the cluster's first job. Job ids are the clusters'
 * names made unique; `needs` everywhere point at the cluster jobs. Shared by quanta's own
 * clusters and the LSST path's (lsst/cluster.ts).
 */
export function mergeClusterJobs(
  jobs: WorkflowJob[],
  clusters: { name: string; jobs: number[] }[],
  make: (k: number, id: string, members: WorkflowJob[], needs: string[]) => WorkflowJob,
): WorkflowJob[] {
  const clusterOf = new Int32Array(jobs.length).fill(-1);
  clusters.forEach((c, k) => c.jobs.forEach((ji) => (clusterOf[ji] = k)));
  const seen = new Set(jobs.filter((_, i) => clusterOf[i] < 0).map((j) => j.id));
  const ids = clusters.map((c) => uniqueJobId([safeIdPart(c.name)], seen));
  const jobIdOf = new Map<string, string>();
  jobs.forEach((j, i) => jobIdOf.set(j.id, clusterOf[i] < 0 ? j.id : ids[clusterOf[i]]));
  const remap = (j: WorkflowJob, self?: string): string[] => [
    ...new Set(j.needs.map((n) => jobIdOf.get(n) ?? n).filter((n) => n !== self)),
  ];
  const out: WorkflowJob[] = [];
  const emitted = new Uint8Array(clusters.length);
  jobs.forEach((j, i) => {
    const k = clusterOf[i];
    if (k < 0) {
      out.push({ ...j, needs: remap(j) });
      return;
    }
    if (emitted[k]) return;
    emitted[k] = 1;
    const members = clusters[k].jobs.map((ji) => jobs[ji]);
    const needs = new Set<string>();
    for (const m of members) for (const n of remap(m, ids[k])) needs.add(n);
    out.push(make(k, ids[k], members, [...needs]));
  });
  return out;
}

/**
 * The job list with each cluster's quanta replaced by one job (at the place of its first quantum).
 * `jobs[i]` is the job of `graph.quanta[i]`.
 */
export function clusterJobs(
  jobs: WorkflowJob[],
  graph: QuantumGraph,
  clusters: QuantumCluster[],
  o: ClusterJobsOptions,
): WorkflowJob[] {
  const made = new Set<string>();
  const index: ClusterIndex = { clusters: {} };
  const out = mergeClusterJobs(
    jobs,
    clusters.map((c) => ({ name: c.name, jobs: c.quanta })),
    (k, id, members, needs) => {
      const c = clusters[k];
      const dir = join(o.submitDir, 'clusters', safeIdPart(c.label));
      const clusterFile = join(dir, `${id}${CLUSTER_FILE_SUFFIX}`);
      const firstTask = members.find((m) => m.task)?.task;
      if (o.write !== false) {
        if (!made.has(dir)) {
          mkdirSync(dir, { recursive: true });
          made.add(dir);
        }
        const body: ClusterFile = {
          cluster: { name: c.name, label: c.label },
          dataId: c.tags,
          quanta: c.quanta.map((qi) => member(jobs[qi], graph, qi, o)),
        };
        writeFileSync(clusterFile, JSON.stringify(body));
        index.clusters[id] = {
          label: c.label,
          quanta: body.quanta.map((m) => ({ label: m.label, jobId: m.jobId, result: m.result })),
        };
      }
      return {
        id,
        label: c.label,
        task: {
          module: firstTask?.module ?? '',
          exportName: firstTask?.exportName ?? '',
          quantumFile: clusterFile,
        },
        ...clusterJobResources(members, c.resources),
        needs,
        outputs: members.flatMap((m) => m.outputs ?? []),
      };
    },
  );
  if (o.write !== false && clusters.length)
    writeFileSync(join(o.submitDir, CLUSTER_INDEX), JSON.stringify(index));
  return out;
}
