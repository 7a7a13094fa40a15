/**
 * A corpus case asked of quanta's registry, answered in the oracle's canonical shape; and quanta's
 * stored times as TAI nanoseconds (the oracle's time unit).
 */
import type { Butler } from '../../../src/butler/index.js';
import { taiMinusUtc } from '../../../src/butler/query/time.js';
import type { DataId } from '../../../src/butler/registry/datasets.js';
import { requiredDataId, sortRows } from './canonical.js';
import type { QueryCase } from './corpus.js';

export type Outcome = { ok: unknown[] } | { error: string };

/** A registry time value (ISO text in UTC, a Date, or TAI nanoseconds) as TAI nanoseconds. */
export function toTaiNs(v: unknown): bigint | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'object' && v && 'tai_ns' in v) return BigInt(String((v as { tai_ns: unknown }).tai_ns));
  const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms)) return null;
  return (BigInt(ms) + BigInt(taiMinusUtc(ms) * 1000)) * 1_000_000n;
}

export async function quantaAnswer(butler: Butler, c: QueryCase): Promise<Outcome> {
  const r = butler.registry;
  try {
    if (c.kind === 'data_ids') {
      const rows = await r.queryDataIds(c.dimensions, {
        where: c.where,
        bind: c.bind,
        datasets: c.datasets,
        collections: c.collections,
        orderBy: c.order_by,
        limit: c.limit,
        ...(c.data_id ? { dataId: c.data_id as DataId } : {}),
      });
      const ids = rows.map((row) => requiredDataId(butler.universe, c.dimensions, row));
      return { ok: c.order_by ? ids : sortRows(ids) };
    }
    if (c.kind === 'records') {
      const recs = await r.queryDimensionRecords(c.element, {
        where: c.where,
        bind: c.bind,
        dataId: c.data_id as DataId | undefined,
        orderBy: c.order_by,
        limit: c.limit,
      });
      return { ok: recs };
    }
    const refs = await r.findDatasets(c.dataset_type, {
      collections: c.collections,
      where: c.where,
      bind: c.bind,
      // daf_butler's queryDatasets is not find-first unless asked; quanta's findDatasets is
      findFirst: c.find_first === true,
      ...(c.data_id ? { dataId: c.data_id as DataId } : {}),
    });
    return {
      ok: sortRows(
        refs.map((ref) => ({
          dataset_type: ref.datasetType,
          run: ref.run,
          id: ref.id,
          data_id: requiredDataId(butler.universe, (ref.dataId && Object.keys(ref.dataId)) || [], ref.dataId),
        })),
      ),
    };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return { error: code };
    throw e;
  }
}
