/**
 * bps clustering keys (`clusterAlgorithm`, `cluster:` sections), read into plain values. The
 * clusters themselves are made from the quantum graph (qgraph/cluster.ts); what needs the graph
 * (a label in two clusters, a cycle, a quantum without a cluster dimension) is checked there.
 */
import { ConfigError } from '../errors.js';
import { keyLocation } from './display.js';
import { parseMemoryMB, parseSeconds, numberLike } from './units.js';
import { isMapping, originOf, showPath } from './tree.js';
import type { ConfigPath, Origins, Tree } from './tree.js';

const PREFIX = 'lsst.ctrl.bps.quantum_clustering_funcs.';
export const DIMENSION_CLUSTERING = `${PREFIX}dimension_clustering`;
export const SINGLE_QUANTUM_CLUSTERING = `${PREFIX}single_quantum_clustering`;

/** Where a key was written, for errors (file, line, column). */
export interface KeyWhere {
  file: string;
  line?: number;
  column?: number;
}

/** Job values a cluster section sets for its jobs; unset ones come from the cluster's quanta. */
export interface ClusterResources {
  requestMemory?: number;
  requestCpus?: number;
  numberOfRetries?: number;
  memoryMultiplier?: number;
  timeoutSec?: number;
}

export interface ClusterDef {
  /** the cluster label (the section's name): the label of its jobs */
  label: string;
  /** task labels, as written */
  pipetasks: string[];
  dimensions: string[];
  /** pairs of dimensions whose values are the same thing (`visit:exposure`) */
  equalDimensions: [string, string][];
  partitionDimensions: string[];
  partitionMaxClusters?: number;
  partitionMaxSize?: number;
  /** bps `clusterTemplate`: the job name, `{dimension}` and `{label}` filled in */
  clusterTemplate?: string;
  resources: ClusterResources;
  where: KeyWhere;
}

export interface ClusteringConfig {
  /** `single`: one quantum per job (bps's default); `dimension`: the `cluster:` sections apply */
  algorithm: 'single' | 'dimension';
  clusters: ClusterDef[];
  /** the submit YAML (for errors found later, against the graph) */
  file: string;
}

function fail(origins: Origins, file: string, path: ConfigPath, message: string): never {
  const key = showPath(path);
  throw new ConfigError('CONFIG_CLUSTER', `key "${key}": ${message}`, {
    ...keyLocation(originOf(origins, path), file),
    key,
  });
}

/** A bps comma-separated list (`"isr, calibrate"`), or a YAML list. */
function list(v: unknown, origins: Origins, file: string, path: ConfigPath): string[] {
  if (v === undefined || v === null) return [];
  const items = Array.isArray(v)
    ? v
    : typeof v === 'string' || typeof v === 'number'
      ? String(v).split(',')
      : undefined;
  if (!items || items.some((x) => typeof x !== 'string' && typeof x !== 'number'))
    fail(
      origins,
      file,
      path,
      `expected a comma-separated list (e.g. "visit, detector"), got ${JSON.stringify(v)}`,
    );
  return items.map((x) => String(x).trim()).filter(Boolean);
}

function positiveInt(v: unknown, origins: Origins, file: string, path: ConfigPath): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = numberLike(v);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    fail(origins, file, path, `expected a whole number of 1 or more, got ${JSON.stringify(v)}`);
  return n;
}

function resources(section: Tree, origins: Origins, file: string, base: ConfigPath): ClusterResources {
  const r: ClusterResources = {};
  const at = (k: string): ConfigPath => [...base, k];
  if (section.requestMemory !== undefined) {
    const mb = parseMemoryMB(section.requestMemory);
    if (mb === undefined || mb <= 0)
      fail(origins, file, at('requestMemory'), 'expected a memory size in MB (e.g. 4096 or "4GB")');
    r.requestMemory = mb;
  }
  if (section.requestCpus !== undefined) {
    const n = numberLike(section.requestCpus);
    if (typeof n !== 'number' || !(n > 0))
      fail(origins, file, at('requestCpus'), 'expected a number of cores');
    r.requestCpus = n;
  }
  if (section.numberOfRetries !== undefined) {
    const n = numberLike(section.numberOfRetries);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
      fail(origins, file, at('numberOfRetries'), 'expected a whole number of 0 or more');
    r.numberOfRetries = n;
  }
  if (section.memoryMultiplier !== undefined) {
    const n = numberLike(section.memoryMultiplier);
    if (typeof n !== 'number' || !(n >= 1))
      fail(origins, file, at('memoryMultiplier'), 'expected a number of 1 or more');
    r.memoryMultiplier = n;
  }
  if (section.requestWalltime !== undefined) {
    const s = parseSeconds(section.requestWalltime);
    if (s === undefined)
      fail(origins, file, at('requestWalltime'), 'expected seconds (a number) or "HH:MM:SS"');
    r.timeoutSec = s;
  }
  return r;
}

function clusterDef(label: string, section: unknown, origins: Origins, file: string): ClusterDef {
  const base = ['cluster', label];
  if (!isMapping(section))
    fail(origins, file, base, 'a cluster section must be a mapping with pipetasks and dimensions');
  const pipetasks = list(section.pipetasks, origins, file, [...base, 'pipetasks']);
  if (pipetasks.length === 0)
    fail(origins, file, [...base, 'pipetasks'], 'a cluster needs "pipetasks": the task labels it groups');
  if (section.findDependencyMethod !== undefined)
    fail(
      origins,
      file,
      [...base, 'findDependencyMethod'],
      'quanta does not support findDependencyMethod; cluster by dimensions (use equalDimensions for dimensions with the same values, such as visit:exposure)',
    );
  const equalDimensions = list(section.equalDimensions, origins, file, [...base, 'equalDimensions']).map(
    (pair): [string, string] => {
      const parts = pair.split(':').map((s) => s.trim());
      if (parts.length !== 2 || !parts[0] || !parts[1])
        fail(
          origins,
          file,
          [...base, 'equalDimensions'],
          `"${pair}" is not a pair of dimensions such as visit:exposure`,
        );
      return [parts[0], parts[1]];
    },
  );
  const partitionDimensions = list(section.partitionDimensions, origins, file, [
    ...base,
    'partitionDimensions',
  ]);
  const partitionMaxClusters = positiveInt(section.partitionMaxClusters, origins, file, [
    ...base,
    'partitionMaxClusters',
  ]);
  const partitionMaxSize = positiveInt(section.partitionMaxSize, origins, file, [
    ...base,
    'partitionMaxSize',
  ]);
  if (partitionDimensions.length > 0 && partitionMaxClusters === undefined && partitionMaxSize === undefined)
    fail(
      origins,
      file,
      [...base, 'partitionDimensions'],
      'partitionDimensions needs partitionMaxClusters (how many jobs) or partitionMaxSize (how many values per job)',
    );
  if (partitionMaxClusters !== undefined && partitionMaxSize !== undefined)
    fail(
      origins,
      file,
      [...base, 'partitionMaxSize'],
      'set partitionMaxClusters or partitionMaxSize, not both',
    );
  const template = section.clusterTemplate;
  if (template !== undefined && typeof template !== 'string')
    fail(
      origins,
      file,
      [...base, 'clusterTemplate'],
      'expected a name template such as "sfp_{visit}_{detector}"',
    );
  return {
    label,
    pipetasks,
    dimensions: list(section.dimensions, origins, file, [...base, 'dimensions']),
    equalDimensions,
    partitionDimensions,
    ...(partitionMaxClusters !== undefined ? { partitionMaxClusters } : {}),
    ...(partitionMaxSize !== undefined ? { partitionMaxSize } : {}),
    ...(typeof template === 'string' ? { clusterTemplate: template } : {}),
    resources: resources(section, origins, file, base),
    where: keyLocation(originOf(origins, base), file),
  };
}

/**
 * The clustering of a submit config. `clusterAlgorithm` takes bps's full names or the function
 * names alone; with the single-quantum algorithm (the default) `cluster:` sections are ignored,
 * as bps does, with a warning.
 */
export function clusteringConfig(
  raw: Tree,
  origins: Origins,
  file: string,
  warn: (w: string) => void,
): ClusteringConfig {
  const algo = raw.clusterAlgorithm;
  let algorithm: ClusteringConfig['algorithm'] = 'single';
  if (algo !== undefined && algo !== null && algo !== '') {
    const name = typeof algo === 'string' ? algo.trim() : '';
    if (name === DIMENSION_CLUSTERING || name === 'dimension_clustering') algorithm = 'dimension';
    else if (name !== SINGLE_QUANTUM_CLUSTERING && name !== 'single_quantum_clustering')
      fail(
        origins,
        file,
        ['clusterAlgorithm'],
        `${JSON.stringify(algo)} is not a clustering quanta knows; use ${DIMENSION_CLUSTERING} or ${SINGLE_QUANTUM_CLUSTERING} (the default)`,
      );
  }
  const section = raw.cluster;
  if (section !== undefined && section !== null && !isMapping(section))
    fail(origins, file, ['cluster'], 'expected a mapping of cluster labels to cluster sections');
  const labels = isMapping(section) ? Object.keys(section) : [];
  if (algorithm === 'single') {
    if (labels.length > 0) {
      const o = keyLocation(originOf(origins, ['cluster']), file);
      const where = o.line !== undefined ? `${o.file}:${o.line}:${o.column}: ` : '';
      warn(
        `${where}cluster: ${labels.join(', ')}: ignored, because clusterAlgorithm is single-quantum (the default); set clusterAlgorithm: ${DIMENSION_CLUSTERING} to use them`,
      );
    }
    return { algorithm, clusters: [], file };
  }
  const clusters = labels.map((l) => clusterDef(l, (section as Tree)[l], origins, file));
  return { algorithm, clusters, file };
}
