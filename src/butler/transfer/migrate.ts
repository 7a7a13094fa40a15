/**
 * The universe migrations daf_butler applies when it imports an export written with an older
 * daf_butler universe (transfers/_yaml.py), applied to the raw entries before conversion:
 *
 * - universe < 1: `visit.seeing` is dropped; `visit.day_obs` becomes the TAI date of the
 *   visit's `datetime_begin` (daf_butler subtracts the instrument's day_obs offset when it can
 *   import the instrument class; quanta cannot, so it uses the date as is);
 * - universe < 2: `visit.visit_system` becomes a `visit_system_membership` record, and
 *   `visit_system` leaves the dimensions of dataset types that also have `visit`;
 * - universe < 6: `exposure.group_name` becomes `exposure.group` (with a `group` record),
 *   `group_id` is dropped, and every (instrument, day_obs) of an exposure or visit gets a
 *   `day_obs` record, without a timespan (daf_butler warns the same without the class).
 *
 * Only for files of the daf_butler namespace, as there.
 */
import { exportTime } from '../import-values.js';
import { msToTaiIso } from './time.js';

type Entry = Record<string, unknown>;

export interface MigrationResult {
  /** records to add, per element */
  extra: Map<string, Entry[]>;
  /** what was done, for the report */
  notes: string[];
}

function recordsOf(entries: Entry[], element: string): Entry[] {
  return entries
    .filter((e) => e?.type === 'dimension' && e.element === element && Array.isArray(e.records))
    .flatMap((e) => e.records as Entry[]);
}

function taiDayObs(v: unknown): number | undefined {
  const iso = exportTime(v);
  if (typeof iso !== 'string') return undefined;
  return Number(msToTaiIso(Date.parse(iso)).slice(0, 10).replaceAll('-', ''));
}

export function migrateOldUniverse(entries: Entry[], version: number, namespace: string): MigrationResult {
  const extra = new Map<string, Entry[]>();
  const notes: string[] = [];
  if (namespace !== 'daf_butler') return { extra, notes };
  const add = (element: string, rec: Entry): void => {
    const list = extra.get(element) ?? [];
    list.push(rec);
    extra.set(element, list);
  };
  const visits = recordsOf(entries, 'visit');
  const exposures = recordsOf(entries, 'exposure');

  if (version < 1) {
    for (const v of visits) {
      delete v.seeing;
      // daf_butler recomputes day_obs from the start time even when the record has one
      const d = taiDayObs(v.datetime_begin ?? (v.timespan as Entry | undefined)?.begin);
      if (d !== undefined) v.day_obs = d;
    }
  }
  if (version < 2) {
    let n = 0;
    for (const v of visits) {
      if (!('visit_system' in v)) continue;
      add('visit_system_membership', { instrument: v.instrument, visit_system: v.visit_system, visit: v.id });
      delete v.visit_system;
      n++;
    }
    if (n)
      notes.push(`universe ${version} < 2: ${n} visit.visit_system values became visit_system_membership`);
    for (const e of entries) {
      const dims =
        e?.type === 'dataset_type' && Array.isArray(e.dimensions) ? (e.dimensions as unknown[]) : [];
      if (dims.includes('visit') && dims.includes('visit_system'))
        e.dimensions = dims.filter((d) => d !== 'visit_system');
    }
  }
  if (version < 6) {
    const groups = new Set<string>();
    for (const x of exposures) {
      if ('group_name' in x) {
        x.group = x.group_name;
        delete x.group_name;
      }
      delete x.group_id;
      if (x.group === undefined || x.group === null) continue;
      const key = JSON.stringify([x.instrument, x.group]);
      if (!groups.has(key)) add('group', { instrument: x.instrument, name: String(x.group) });
      groups.add(key);
    }
    const have = new Set(recordsOf(entries, 'day_obs').map((r) => JSON.stringify([r.instrument, r.id])));
    for (const r of [...exposures, ...visits]) {
      if (r.day_obs === undefined || r.day_obs === null) continue;
      const key = JSON.stringify([r.instrument, r.day_obs]);
      if (have.has(key)) continue;
      have.add(key);
      add('day_obs', { instrument: r.instrument, id: r.day_obs });
    }
    const made = extra.get('day_obs')?.length ?? 0;
    if (made)
      notes.push(
        `universe ${version} < 6: ${made} day_obs records made from exposure/visit day_obs values, without timespans`,
      );
  }
  return { extra, notes };
}
