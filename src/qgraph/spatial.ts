/**
 * Spatial join for coadd-style tasks: which patches (or tracts) does each visit/detector
 * region overlap? A 1-degree (ra, dec) grid over bounding boxes finds candidates; the exact
 * polygon test decides.
 */
import type { PipelineTaskNode } from '../pipeline/types.js';
import type { Conn, DataId } from '../task/define-task.js';
import { keyOf, project } from './data-ids.js';
import type { DatasetIndex } from './dataset-index.js';
import type { SkyRegion } from './types.js';

export type OverlapTest = (a: SkyRegion, b: SkyRegion) => boolean;

interface Box {
  raMin: number;
  raMax: number;
  decMin: number;
  decMax: number;
}

function boxOf(r: SkyRegion): Box {
  let ras = r.vertices.map((v) => ((v[0] % 360) + 360) % 360);
  const decs = r.vertices.map((v) => v[1]);
  // A polygon across ra = 0 has vertices near 0 and near 360: shift the small ones up.
  if (Math.max(...ras) - Math.min(...ras) > 180) ras = ras.map((ra) => (ra < 180 ? ra + 360 : ra));
  const box = {
    raMin: Math.min(...ras),
    raMax: Math.max(...ras),
    decMin: Math.min(...decs),
    decMax: Math.max(...decs),
  };
  // Near a pole the ra extent is meaningless: take the whole circle.
  if (box.decMax > 88 || box.decMin < -88) {
    box.raMin = 0;
    box.raMax = 359.999;
  }
  return box;
}

function* cells(b: Box, size: number): Generator<string> {
  const d0 = Math.floor(b.decMin / size);
  const d1 = Math.floor(b.decMax / size);
  const r0 = Math.floor(b.raMin / size);
  const r1 = Math.floor(b.raMax / size);
  const nra = Math.round(360 / size);
  for (let d = d0; d <= d1; d++) {
    for (let r = r0; r <= Math.min(r1, r0 + nra - 1); r++) yield `${((r % nra) + nra) % nra}:${d}`;
  }
}

/** An index of target regions (e.g. patches) for repeated overlap queries. */
export class RegionIndex<T> {
  private readonly grid = new Map<string, number[]>();
  private readonly items: { value: T; region: SkyRegion }[] = [];

  constructor(
    targets: { value: T; region: SkyRegion }[],
    private readonly overlaps: OverlapTest,
    private readonly cellSize = 1,
  ) {
    targets.forEach((t, i) => {
      this.items.push(t);
      for (const c of cells(boxOf(t.region), cellSize)) {
        let list = this.grid.get(c);
        if (!list) this.grid.set(c, (list = []));
        list.push(i);
      }
    });
  }

  /** The targets whose regions overlap `region`, in index order. */
  query(region: SkyRegion): T[] {
    const hit = new Set<number>();
    for (const c of cells(boxOf(region), this.cellSize)) for (const i of this.grid.get(c) ?? []) hit.add(i);
    return [...hit]
      .sort((a, b) => a - b)
      .filter((i) => this.overlaps(region, this.items[i].region))
      .map((i) => this.items[i].value);
  }
}

/** Candidate quanta of a coadd-style task: patches/tracts overlapped by visit(-detector) inputs. */
export async function spatialCandidates(
  ix: DatasetIndex,
  task: PipelineTaskNode,
  conn: Conn,
  overlaps: OverlapTest,
): Promise<{ dataId: DataId; spatial: number[] }[]> {
  const E = ix.exp(task.dimensions);
  const R = ix.req(task.dimensions);
  const target = E.includes('patch') ? 'patch' : 'tract';
  const srcDims = ix.req(conn.dimensions).includes('detector')
    ? ['instrument', 'visit', 'detector']
    : ['instrument', 'visit'];
  const srcElement = srcDims.length === 3 ? 'visit_detector_region' : 'visit';
  const srcRegions = new Map<string, SkyRegion>();
  for (const r of await ix.source.regions(srcElement)) srcRegions.set(keyOf(r.dataId, srcDims)!, r.region);
  const targetDims = ix.req([target]);
  const allowed = new Set((await ix.dataIds([target])).map((d) => keyOf(d, targetDims)));
  const targets = (await ix.source.regions(target))
    .filter((r) => allowed.has(keyOf(r.dataId, targetDims)))
    .map((r) => ({ value: project(r.dataId, targetDims), region: r.region }));
  const index = new RegionIndex(targets, overlaps);
  const groups = new Map<string, { dataId: DataId; spatial: number[] }>();
  for (const idx of (await ix.available(conn)).values()) {
    const dsDataId = ix.datasets.dataId(idx);
    const region = srcRegions.get(keyOf(dsDataId, srcDims) ?? '');
    if (!region) continue;
    for (const t of index.query(region)) {
      const q = project({ ...dsDataId, ...t }, E);
      const qk = keyOf(q, R);
      if (qk === undefined || keyOf(q, E) === undefined) continue;
      const g = groups.get(qk);
      if (g) g.spatial.push(idx);
      else groups.set(qk, { dataId: q, spatial: [idx] });
    }
  }
  return [...groups.values()];
}
