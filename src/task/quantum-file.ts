/**
 * The per-quantum JSON file (`<submitDir>/quanta/<label>/<jobId>.json`): everything a worker
 * needs to run one quantum without the registry. Written by the QG -> workflow conversion,
 * read by `runQuantum`.
 */
import { z } from 'zod';

const dataIdSchema = z.record(z.string(), z.union([z.string(), z.number()]));

export const quantumRefSchema = z.object({
  id: z.string(),
  datasetType: z.string(),
  storageClass: z.string(),
  dataId: dataIdSchema,
  path: z.string(),
});

export const quantumFileSchema = z.object({
  task: z.object({
    label: z.string(),
    module: z.string(),
    exportName: z.string(),
    config: z.record(z.string(), z.unknown()).default({}),
  }),
  dataId: dataIdSchema,
  run: z.string(),
  datastoreRoot: z.string(),
  inputs: z.record(z.string(), z.array(quantumRefSchema)).default({}),
  outputs: z.record(z.string(), z.array(quantumRefSchema)).default({}),
});

export type QuantumRef = z.infer<typeof quantumRefSchema>;
export type QuantumFile = z.infer<typeof quantumFileSchema>;

/** One written output, as listed in `<quantumFile>.result.json`. */
export interface QuantumOutput {
  id: string;
  datasetType: string;
  path: string;
  checksum: string;
  size: number;
}

export interface QuantumResult {
  outputs: QuantumOutput[];
}
