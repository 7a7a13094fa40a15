/**
 * Which dimension records a partial export needs: for every exported dataset's data ID
 * (required and implied values), the records of each element whose keys the data ID holds, as
 * daf_butler's `saveDataIds` exports them (visit_detector_region for a visit+detector data ID,
 * not visit_definition unless the exposure is there too). quanta keeps `exposure.group` as a
 * field, so the group records of the kept exposures are added.
 */
import type { DataId } from '../registry/datasets.js';
import type { DimensionRecord } from '../registry/records.js';
import type { DimensionUniverse } from '../universe.js';

function keyColumns(u: DimensionUniverse, element: string): { column: string; dimension: string }[] {
  const spec = u.element(element);
  const cols = u.required(spec.requires).map((d) => ({ column: d, dimension: d }));
  if (spec.keys[0]) cols.push({ column: spec.keys[0].name, dimension: element });
  return cols;
}

export class RecordClosure {
  private readonly keys = new Map<string, Set<string>>();

  constructor(private readonly u: DimensionUniverse) {}

  addDataId(dataId: DataId): void {
    for (const el of this.u.elements.keys()) {
      const cols = keyColumns(this.u, el);
      if (cols.length === 0 || cols.some((c) => dataId[c.dimension] === undefined)) continue;
      const set = this.keys.get(el) ?? new Set<string>();
      set.add(JSON.stringify(cols.map((c) => dataId[c.dimension])));
      this.keys.set(el, set);
    }
  }

  /** The records of `element` that the data IDs seen so far need. */
  select(element: string, records: DimensionRecord[]): DimensionRecord[] {
    const want = this.keys.get(element);
    if (!want) return [];
    const cols = keyColumns(this.u, element);
    const kept = records.filter((r) => want.has(JSON.stringify(cols.map((c) => r[c.column]))));
    if (element === 'exposure')
      for (const x of kept)
        if (x.group !== null && x.group !== undefined)
          this.addDataId({ instrument: x.instrument as string, group: x.group as string });
    return kept;
  }
}
