/**
 * Implied dimension values of dataset data IDs (exposure -> physical_filter, day_obs -> band),
 * read from the dimension records when a new dataset's data ID lacks them.
 */
import type { DimensionUniverse } from '../universe.js';
import { primaryKeyColumns } from './columns.js';
import type { DataId } from './datasets.js';
import type { Db } from './db.js';
import { q } from './db.js';

/**
 * Completes data IDs with implied dimension values (exposure -> physical_filter, day_obs;
 * physical_filter -> band) from the dimension records, loading each implying table once.
 */
export function impliedFiller(db: Db, universe: DimensionUniverse): (dataId: DataId) => Promise<void> {
  const tables = new Map<string, Map<string, Record<string, unknown>>>();
  const load = async (el: string): Promise<Map<string, Record<string, unknown>>> => {
    let m = tables.get(el);
    if (m) return m;
    const keys = primaryKeyColumns(universe, el);
    m = new Map();
    for (const r of await db.all<Record<string, unknown>>(`SELECT * FROM ${q(`dim_${el}`)}`))
      m.set(JSON.stringify(keys.map((k) => r[k])), r);
    tables.set(el, m);
    return m;
  };
  return async (dataId) => {
    // impliers before what they imply: exposure fills physical_filter, which then fills band
    for (const d of [...universe.topologicalOrder()].reverse()) {
      if (dataId[d] === undefined || !universe.isDimension(d)) continue;
      const spec = universe.element(d);
      if (spec.implies.length === 0 || spec.implies.every((i) => dataId[i] !== undefined)) continue;
      const req = universe.required(spec.requires);
      if (req.some((r) => dataId[r] === undefined)) continue;
      const rec = (await load(d)).get(JSON.stringify([...req.map((r) => dataId[r]), dataId[d]]));
      if (!rec) continue;
      for (const i of spec.implies) {
        const v = rec[i];
        if (dataId[i] === undefined && v !== null && v !== undefined) dataId[i] = v as string | number;
      }
    }
  };
}
