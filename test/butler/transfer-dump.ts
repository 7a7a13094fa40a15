/**
 * Registry contents in one comparable shape, from quanta and from the real Butler
 * (the oracle, python/quanta_lsst/oracle.py): records per element with times as TAI nanoseconds (text, rounded to the
 * millisecond the registry keeps) and as UTC ISO text (astropy's, for daf_butler), regions as vertex sets to 1e-7 degrees, the skymap hash as hex; collections, dataset types, datasets, TAGGED members.
 */
import type { Butler } from '../../src/butler/index.js';
import { decodeSphgeom } from '../../src/butler/import-values.js';
import { identifyingDimensions } from '../../src/butler/registry/columns.js';
import { msToTaiNsec } from '../../src/butler/transfer/time.js';
import { Oracle } from '../helpers/oracle.js';

type Rec = Record<string, unknown>;

export interface Dump {
  records: Record<string, Rec[]>;
  collections: { name: string; type: string; children?: string[] }[];
  dataset_types: { name: string; dimensions: string[]; storage_class: string; is_calibration: boolean }[];
  datasets: { id: string; dataset_type: string; run: string; data_id: Record<string, unknown> }[];
  tagged: Record<string, string[]>;
  warnings?: string[];
}

/**
 * A new real-Butler repo at `root` with `files` imported; optionally exported to `exportTo`.
 * One oracle process (python/quanta_lsst/oracle.py) per call.
 */
export async function realButler(
  venv: string,
  root: string,
  files: string[],
  exportTo?: string,
): Promise<Dump> {
  const oracle = new Oracle(venv);
  try {
    await oracle.call('create', { root });
    const warnings: string[] = [];
    for (const file of files) {
      const answer = await oracle.call<{ warnings: { message: string; source: string }[] }>('import', {
        root,
        file,
      });
      // daf_butler's own warnings (not those of its dependencies)
      for (const w of answer.warnings)
        if (w.source.includes('lsst') || w.message.includes('day_obs')) warnings.push(w.message);
    }
    if (exportTo) await oracle.call('export', { root, file: exportTo });
    const dump = await oracle.call<Dump>('dump', { root });
    return normalise({ ...dump, warnings });
  } finally {
    await oracle.close();
  }
}

const ns = (iso: unknown): string | null => (iso ? msToTaiNsec(Date.parse(String(iso))).toString() : null);

function round(vs: [number, number][]): string[] {
  // vertices to ~1e-7 degrees (30 microarcseconds), as a set: winding and start differ by side
  const ra = (a: number): string => {
    const t = (((a % 360) + 360) % 360).toFixed(7);
    return t === '360.0000000' ? '0.0000000' : t;
  };
  return vs.map(([a, d]) => `${ra(a)},${d.toFixed(7)}`).sort();
}

/** TAI nanoseconds to the millisecond: the registry keeps times to the millisecond. */
function toMs(v: unknown): unknown {
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return v;
  return (((BigInt(v) + 500_000n) / 1_000_000n) * 1_000_000n).toString();
}

function normaliseRecord(r: Rec): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(r)) {
    if (k === 'timespan' && v && typeof v === 'object' && 'begin' in v)
      out[k] = { begin: toMs(v.begin), end: toMs((v as Rec).end), utc: (v as Rec).utc };
    else if (v && typeof v === 'object' && 'region' in v)
      out[k] = round(decodeSphgeom(String(v.region))!.vertices);
    else if (v && typeof v === 'object' && 'vertices' in v)
      out[k] = round((v as { vertices: [number, number][] }).vertices);
    else if (v && typeof v === 'object' && 'hex' in v) out[k] = v.hex;
    else out[k] = v;
  }
  return out;
}

const stable = (r: Rec): string => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));

function normalise(d: Dump): Dump {
  const records: Record<string, Rec[]> = {};
  for (const [el, rs] of Object.entries(d.records))
    records[el] = rs.map(normaliseRecord).sort((a, b) => (stable(a) < stable(b) ? -1 : 1));
  return { ...d, records };
}

/** The same dump, read from quanta. `band` and skypix have no records in daf_butler. */
export async function quantaDump(b: Butler): Promise<Dump> {
  const u = b.universe;
  const r = b.registry;
  const records: Record<string, Rec[]> = {};
  for (const el of u.elements.keys()) {
    if (el === 'band' || u.isSkyPix(el)) continue;
    const recs = await r.queryDimensionRecords(el);
    if (!recs.length) continue;
    records[el] = recs.map((x) => {
      const out: Rec = {};
      for (const [k, v] of Object.entries(x)) {
        if (k === 'timespan_begin' || k === 'timespan_end') continue;
        out[k] = v;
      }
      if ('timespan_begin' in x)
        out.timespan =
          x.timespan_begin === null && x.timespan_end === null
            ? null
            : {
                begin: ns(x.timespan_begin),
                end: ns(x.timespan_end),
                utc: [x.timespan_begin, x.timespan_end].map((t) => (t ? String(t).replace(/Z$/, '') : null)),
              };
      return out;
    });
  }
  const collections = (await r.queryCollections()).map((c) =>
    c.type === 'CHAINED'
      ? { name: c.name, type: c.type, children: c.children }
      : { name: c.name, type: c.type },
  );
  const types = await r.queryDatasetTypes();
  const datasets: Dump['datasets'] = [];
  const tagged: Record<string, string[]> = {};
  for (const t of types) {
    const req = identifyingDimensions(u, t.dimensions);
    for (const c of collections) {
      if (c.type === 'CHAINED') continue;
      const refs = await r.findDatasets(t.name, { collections: [c.name] });
      if (c.type === 'TAGGED') tagged[c.name] = [...(tagged[c.name] ?? []), ...refs.map((x) => x.id)].sort();
      else
        datasets.push(
          ...refs.map((x) => ({
            id: x.id,
            dataset_type: x.datasetType,
            run: x.run,
            data_id: Object.fromEntries(req.map((d) => [d, x.dataId[d]])),
          })),
        );
    }
  }
  for (const c of collections) if (c.type === 'TAGGED') tagged[c.name] ??= [];
  return normalise({
    records,
    collections,
    dataset_types: types
      .map((t) => ({
        name: t.name,
        dimensions: [...u.expand(t.dimensions)].sort(),
        storage_class: t.storageClass,
        is_calibration: t.isCalibration ?? false,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    datasets: datasets.sort((a, b) => (a.id < b.id ? -1 : 1)),
    tagged,
  });
}

/** Record counts per element. */
export function counts(d: Dump): Record<string, number> {
  return Object.fromEntries(Object.entries(d.records).map(([k, v]) => [k, v.length]));
}
