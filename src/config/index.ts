// The submit config (bps-compatible YAML): loader, types and the run-folder helper.
export { loadSubmitConfig } from './submit-config.js';
export type {
  LoadOptions,
  PayloadConfig,
  SubmitConfig,
  TaskResources,
  SiteConfig,
  ExplainEntry,
} from './submit-config.js';
export type { ClusterDef, ClusterResources, ClusteringConfig } from './cluster-config.js';
export { DIMENSION_CLUSTERING, SINGLE_QUANTUM_CLUSTERING } from './cluster-config.js';
export { createUniqueDir } from './unique-dir.js';
export { formatExplain } from './explain.js';
export { formatTimestamp } from './defaults.js';
export { parseWorkerOptions } from './site.js';
export { parseMemoryMB, parseSlurmTime } from './units.js';
