// An in-memory QGDataSource for the pure builder tests: observation rows, patches with regions,
// datasets per type. The query is a predicate over full observation rows (so a visit
// constraint also restricts exposure-level data IDs, as the registry's join does).
import { getUniverse } from '../../src/butler/universe.js';
import type { PipelineTaskNode } from '../../src/pipeline/types.js';
import type { Conn, DataId } from '../../src/task/define-task.js';
import type { QGDataSource, SkyRegion, SourceDataset } from '../../src/qgraph/types.js';

const universe = getUniverse();
const OBS = new Set(['instrument', 'exposure', 'visit', 'detector', 'physical_filter', 'band', 'day_obs']);

export interface MemoryRepo {
  rows: DataId[];
  patches: { dataId: DataId; region: SkyRegion }[];
  vdr: { dataId: DataId; region: SkyRegion }[];
  inputs: Record<string, SourceDataset[]>;
  outputRun: Record<string, SourceDataset[]>;
  where?: (row: DataId) => boolean;
}

export function box(ra0: number, dec0: number, ra1: number, dec1: number): SkyRegion {
  return {
    vertices: [
      [ra0, dec0],
      [ra1, dec0],
      [ra1, dec1],
      [ra0, dec1],
    ],
  };
}

export function memorySource(repo: MemoryRepo): QGDataSource {
  return {
    universe,
    async queryDataIds(dims) {
      const exp = universe.expand(dims);
      const req = universe.required(dims);
      const obs = exp.every((d) => OBS.has(d));
      const rows = obs
        ? repo.rows.filter((r) => !repo.where || repo.where(r))
        : repo.patches.map((p) => p.dataId);
      const seen = new Map<string, DataId>();
      for (const r of rows) {
        const k = req.map((d) => r[d]).join('/');
        if (!seen.has(k)) seen.set(k, Object.fromEntries(exp.filter((d) => d in r).map((d) => [d, r[d]])));
      }
      return [...seen.values()];
    },
    async findInputs(type) {
      return repo.inputs[type] ?? [];
    },
    async findInOutputRun(type) {
      return repo.outputRun[type] ?? [];
    },
    async regions(element) {
      if (element === 'patch') return repo.patches;
      if (element === 'visit_detector_region') return repo.vdr;
      return [];
    },
    pathFor({ datasetType, run, dataId }) {
      return `${run}/${datasetType}/${Object.values(dataId).join('_')}.dat`;
    },
  };
}

export function conn(datasetType: string, dimensions: string[], extra: Partial<Conn> = {}): Conn {
  return { datasetType, dimensions, storageClass: 'StructuredData', ...extra };
}

export function taskNode(
  label: string,
  dimensions: string[],
  inputs: Record<string, Conn>,
  outputs: Record<string, Conn>,
  prerequisiteInputs: Record<string, Conn> = {},
): PipelineTaskNode {
  return {
    label,
    kind: 'ts',
    module: '/x.ts',
    exportName: label,
    taskName: label,
    dimensions,
    inputs,
    prerequisiteInputs,
    outputs,
    config: {},
    file: 'test.yaml',
  };
}

let n = 0;
/** exposure- and visit-level detector dimensions of the toy pipelines */
export const ED = ['instrument', 'exposure', 'detector'];
export const VD = ['instrument', 'visit', 'detector'];
/** the first two single-frame tasks of the toy pipelines */
export const isr = taskNode('isr', ED, { ccd: conn('raw', ED) }, { out: conn('postISRCCD', ED) });
export const char = taskNode(
  'characterizeImage',
  VD,
  { exp: conn('postISRCCD', ED) },
  { ic: conn('icExp', VD), src: conn('icSrc', VD) },
);

export function uuid(): string {
  n++;
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** One raw per row of `toyRows`, in `run` (the overall input of the toy pipelines). */
export function rawInputs(rows: DataId[], run: string): SourceDataset[] {
  return rows.map((r) => ({
    id: uuid(),
    dataId: { instrument: 'ToyCam', exposure: r.exposure, detector: r.detector },
    run,
    path: `raw/${r.exposure}_${r.detector}.fits`,
  }));
}

/** ToyCam rows: visits (= exposures) x detectors, band alternating r/g. */
export function toyRows(visits: number[], detectors: number[]): DataId[] {
  const rows: DataId[] = [];
  visits.forEach((v, i) => {
    const band = i % 2 === 0 ? 'r' : 'g';
    for (const d of detectors) {
      rows.push({
        instrument: 'ToyCam',
        exposure: v,
        visit: v,
        detector: d,
        physical_filter: `ToyCam-${band}`,
        band,
        day_obs: 20240101,
      });
    }
  });
  return rows;
}
