/** The in-memory quantum graph and the data source the pure builder reads from. */
import type { DimensionUniverse } from '../butler/universe.js';
import type { PipelineTaskNode } from '../pipeline/types.js';
import type { DataId } from '../task/define-task.js';

/** A convex sky polygon, vertices (ra, dec) in degrees (same shape as src/butler/region.ts). */
export interface SkyRegion {
  vertices: [number, number][];
}

/** An existing dataset as the data source reports it. */
export interface SourceDataset {
  id: string;
  dataId: DataId;
  run: string;
  path?: string;
}

/**
 * What the builder needs from a data repository. The registry adapter (registry-source.ts)
 * implements it with a handful of bulk queries; tests implement it with plain arrays.
 */
export interface QGDataSource {
  universe: DimensionUniverse;
  /** data IDs of `dimensions` that the query allows, expanded with implied dimensions */
  queryDataIds(dimensions: string[]): Promise<DataId[]>;
  /** datasets of a type in the input collections (first match along the search path) */
  findInputs(datasetType: string): Promise<SourceDataset[]>;
  /** datasets of a type already in the output run ([] when the run does not exist) */
  findInOutputRun(datasetType: string): Promise<SourceDataset[]>;
  /** sky regions of an element's records (`visit_detector_region`, `visit`, `patch`, `tract`) */
  regions(element: string): Promise<{ dataId: DataId; region: SkyRegion }[]>;
  /** datastore path (relative to the root) of a predicted output */
  pathFor(ref: { datasetType: string; run: string; dataId: DataId; storageClass: string }): string;
}

export interface QGDatasetType {
  name: string;
  /** required dimensions */
  dimensions: string[];
  storageClass: string;
}

export interface QGDataset {
  id: string;
  datasetType: string;
  /** expanded data ID */
  dataId: DataId;
  run: string;
  /** datastore path relative to the root ('' when unknown) */
  path: string;
  /** index of the producing quantum, -1 for datasets that exist already */
  producer: number;
}

/**
 * The graph's datasets, by index (dataset-table.ts keeps them as columns). `get(i)` makes the
 * plain object; the single-field readers do not.
 */
export interface QGDatasetList {
  readonly length: number;
  /** the dataset at index `i` as a plain object (a new one on each call) */
  get(i: number): QGDataset;
  id(i: number): string;
  datasetType(i: number): string;
  dataId(i: number): DataId;
  run(i: number): string;
  path(i: number): string;
  producer(i: number): number;
}

/** A pipeline task as the graph keeps it: the resolved node without where it was declared. */
export type QGTaskNode = Omit<PipelineTaskNode, 'file' | 'path'>;

export interface QGQuantum {
  label: string;
  /** expanded data ID of the quantum dimensions */
  dataId: DataId;
  /** dataset indices per connection (inputs and prerequisite inputs) */
  inputs: Record<string, number[]>;
  outputs: Record<string, number[]>;
}

export interface QuantumGraph {
  version: number;
  outputRun: string;
  inputCollections: string[];
  dataQuery: string;
  created: string;
  tasks: QGTaskNode[];
  datasetTypes: QGDatasetType[];
  datasets: QGDatasetList;
  quanta: QGQuantum[];
}

export interface BuildProgress {
  label: string;
  taskIndex: number;
  taskCount: number;
  /** candidate data IDs examined so far for this task, of `total` */
  done: number;
  total: number;
  phase: 'start' | 'progress' | 'done';
}

/** Quanta left out because an input is missing (reported, not fatal). */
export interface DroppedQuanta {
  label: string;
  datasetType: string;
  count: number;
  sample: DataId[];
}

export interface BuildResult {
  graph: QuantumGraph;
  /** quanta per task label */
  counts: Record<string, number>;
  /** quanta skipped because their outputs exist (--skip-existing) */
  skipped: Record<string, number>;
  dropped: DroppedQuanta[];
}
