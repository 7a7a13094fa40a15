/**
 * The cluster file (`<submitDir>/clusters/<label>/<name>.cluster.json`): the quanta one cluster
 * job runs, in dependency order. A member is a TypeScript task quantum (its own quantum file) or
 * a command (an argv). Each member has a result file, written last when the quantum succeeded:
 * that is the quantum's own completion marker, which a rerun of the cluster and `quanta status`
 * read. Written by the QG -> workflow conversion, read by runCluster.
 */
import { z } from 'zod';

const dataIdSchema = z.record(z.string(), z.union([z.string(), z.number()]));

/** The file name that marks a task payload as a cluster rather than one quantum. */
export const CLUSTER_FILE_SUFFIX = '.cluster.json';

export const isClusterFile = (path: string): boolean => path.endsWith(CLUSTER_FILE_SUFFIX);

export const clusterMemberSchema = z.object({
  /** the quantum's task label */
  label: z.string(),
  /** the id the quantum's job would have without clustering (`isr.2340.12`) */
  jobId: z.string(),
  dataId: dataIdSchema,
  task: z.object({ module: z.string(), exportName: z.string(), quantumFile: z.string() }).optional(),
  argv: z.array(z.string()).min(1).optional(),
  /** predicted outputs, absolute paths */
  outputs: z.array(z.object({ id: z.string(), datasetType: z.string(), path: z.string() })).default([]),
  /** written last when the quantum succeeded (a task's `<quantumFile>.result.json`) */
  result: z.string(),
});

export const clusterFileSchema = z.object({
  cluster: z.object({ name: z.string(), label: z.string() }),
  /** the cluster dimensions' values (what `quanta status --label` shows as the job's data ID) */
  dataId: dataIdSchema,
  quanta: z.array(clusterMemberSchema).min(1),
});

export type ClusterMember = z.infer<typeof clusterMemberSchema>;
export type ClusterFile = z.infer<typeof clusterFileSchema>;

/**
 * `<submitDir>/clusters/index.json`: for each cluster job, its quanta (label, job id, result
 * file), so that `quanta status` counts quanta per task without reading every cluster file.
 */
export const CLUSTER_INDEX = 'clusters/index.json';

export const clusterIndexSchema = z.object({
  clusters: z.record(
    z.string(),
    z.object({
      label: z.string(),
      quanta: z.array(z.object({ label: z.string(), jobId: z.string(), result: z.string() })),
    }),
  ),
});

export type ClusterIndex = z.infer<typeof clusterIndexSchema>;
