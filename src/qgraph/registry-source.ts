/**
 * Adapter from the real Registry (shared contract item 2) to the builder's QGDataSource:
 * one bulk query per dimension set, dataset type and region element, cached; the where
 * clause of the submit's dataQuery is applied to every data-ID query.
 *
 * Given the pipeline's dimensions (`allDimensions`, see pipelineDimensions), the data IDs of
 * every dimension set are the projections of one query over all of them, as pipetask's
 * all-dimensions graph builder does: a per-exposure task in a pipeline with per-visit and
 * per-patch tasks then gets only the exposures whose visits overlap the patches of the query.
 */
import { checkExpression, parseExpression, type Bind } from '../butler/query/index.js';
import type { DimensionUniverse } from '../butler/universe.js';
import type { PipelineTaskNode } from '../pipeline/types.js';
import type { DataId } from '../task/define-task.js';
import { keyOf, project } from './data-ids.js';
import type { QGDataSource, SkyRegion } from './types.js';

/** The part of the Registry contract the adapter uses (structural, so any backend fits). */
export interface RegistryLike {
  queryDataIds(
    dimensions: string[],
    opts?: { where?: string; bind?: Record<string, unknown>; collections?: string[]; datasets?: string[] },
  ): Promise<DataId[]>;
  queryDimensionRecords(
    element: string,
    opts?: { where?: string; bind?: Record<string, unknown>; dataId?: DataId },
  ): Promise<Record<string, unknown>[]>;
  findDatasets(
    datasetType: string,
    opts: { collections: string[]; where?: string; bind?: Record<string, unknown>; dataIds?: DataId[] },
  ): Promise<{ id: string; dataId: DataId; run: string; path?: string }[]>;
  resolveCollections(names: string[]): Promise<string[]>;
  queryCollections(pattern?: string): Promise<unknown[]>;
  getDatasetType(name: string): Promise<unknown>;
}

export interface RegistrySourceOptions {
  universe: DimensionUniverse;
  registry: RegistryLike;
  inputCollections: string[];
  outputRun: string;
  where?: string;
  bind?: Record<string, unknown>;
  /** the dimensions of the whole pipeline: data IDs are projections of one query over them */
  allDimensions?: string[];
  pathFor: QGDataSource['pathFor'];
}

/**
 * The dimensions of a pipeline as pipetask's all-dimensions builder takes them: those of every
 * task and of every (non-prerequisite) input and output dataset type.
 */
export function pipelineDimensions(tasks: PipelineTaskNode[]): string[] {
  const out = new Set<string>();
  for (const t of tasks)
    for (const dims of [
      t.dimensions,
      ...Object.values(t.inputs).map((c) => c.dimensions),
      ...Object.values(t.outputs).map((c) => c.dimensions),
    ])
      for (const d of dims) out.add(d);
  return [...out];
}

/** Rows projected onto `dims` (expanded), one per distinct data ID. */
function projectRows(universe: DimensionUniverse, rows: DataId[], dimensions: string[]): DataId[] {
  const exp = universe.expand(dimensions);
  const req = universe.required(dimensions);
  const seen = new Map<string, DataId>();
  for (const r of rows) {
    const k = keyOf(r, req);
    if (k !== undefined && !seen.has(k)) seen.set(k, project(r, exp));
  }
  return [...seen.values()];
}

/** The name of a collection as queryCollections reports it (string or record). */
function collectionName(c: unknown): string | undefined {
  if (typeof c === 'string') return c;
  if (c && typeof c === 'object' && 'name' in c) return String((c as { name: unknown }).name);
  return undefined;
}

export function registrySource(o: RegistrySourceOptions): QGDataSource {
  const where = o.where?.trim() ? o.where : undefined;
  const referenced = where
    ? checkExpression(parseExpression(where), o.universe, { bind: o.bind as Bind | undefined }).dimensions
    : new Set<string>();
  let runExists: Promise<boolean> | undefined;
  let everything: Promise<DataId[]> | undefined;
  const outputRunExists = (): Promise<boolean> => {
    runExists ??= o.registry
      .queryCollections()
      .then((cs) => cs.some((c) => collectionName(c) === o.outputRun));
    return runExists;
  };
  const knownType = async (name: string): Promise<boolean> => {
    try {
      return (await o.registry.getDatasetType(name)) != null;
    } catch {
      // an unregistered dataset type has no datasets anywhere
      return false;
    }
  };
  return {
    universe: o.universe,
    async queryDataIds(dimensions) {
      const extra = [...referenced].filter((d) => o.universe.isDimension(d));
      if (o.allDimensions?.length) {
        // one query over the whole pipeline (and what the where clause names), projected
        everything ??= o.registry.queryDataIds([...new Set([...o.allDimensions, ...extra])], {
          where,
          bind: o.bind,
        });
        return projectRows(o.universe, await everything, dimensions);
      }
      const exp = o.universe.expand(dimensions);
      if (extra.every((d) => exp.includes(d)))
        return o.registry.queryDataIds(dimensions, { where, bind: o.bind });
      // The where clause names dimensions these data IDs do not have (visit for exposure-level
      // data IDs, or for patches): query with them joined in, then project back and dedupe.
      const rows = await o.registry.queryDataIds([...dimensions, ...extra], { where, bind: o.bind });
      return projectRows(o.universe, rows, dimensions);
    },
    async findInputs(datasetType) {
      if (!(await knownType(datasetType))) return [];
      return o.registry.findDatasets(datasetType, { collections: o.inputCollections });
    },
    async findInOutputRun(datasetType) {
      if (!(await outputRunExists()) || !(await knownType(datasetType))) return [];
      return o.registry.findDatasets(datasetType, { collections: [o.outputRun] });
    },
    async regions(element) {
      const records = await o.registry.queryDimensionRecords(element);
      const spec = o.universe.element(element);
      const dims = o.universe.required([...spec.requires, ...(spec.keys.length ? [element] : [])]);
      const out: { dataId: DataId; region: SkyRegion }[] = [];
      for (const r of records) {
        const region = r.region as SkyRegion | undefined | null;
        if (!region || !Array.isArray(region.vertices)) continue;
        const dataId: DataId = {};
        for (const d of dims) {
          // a record holds its own key under the key's field name (visit.id) or under the dimension name
          const v = r[d] ?? (d === element ? r[o.universe.primaryKey(d).name] : undefined);
          if (v !== undefined && v !== null) dataId[d] = v as string | number;
        }
        out.push({ dataId, region });
      }
      return out;
    },
    pathFor: o.pathFor,
  };
}
