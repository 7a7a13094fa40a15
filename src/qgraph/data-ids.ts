/** Compact data-ID helpers: string keys over a fixed dimension list, projections. */
import type { DataId } from '../task/define-task.js';

const SEP = '\u001f';

/** Key of `dataId` over `dims` (values in the order of `dims`); undefined if a value is missing. */
export function keyOf(dataId: DataId, dims: readonly string[]): string | undefined {
  let k = '';
  for (let i = 0; i < dims.length; i++) {
    const v = dataId[dims[i]];
    if (v === undefined) return undefined;
    k = i === 0 ? String(v) : k + SEP + String(v);
  }
  return k;
}

/** The data ID restricted to `dims` (those present). */
export function project(dataId: DataId, dims: readonly string[]): DataId {
  const out: DataId = {};
  for (const d of dims) {
    const v = dataId[d];
    if (v !== undefined) out[d] = v;
  }
  return out;
}

/** A short human form for messages: `{instrument: 'ToyCam', visit: 12}` -> `instrument=ToyCam visit=12`. */
export function formatDataId(dataId: DataId): string {
  return Object.entries(dataId)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
