/**
 * Test support (not used at run time): a small fixture repository of dimension records, and a
 * miniature SQLite "registry" built from the universe's table convention (dim_<element>, columns
 * = required dimensions, keys, implied dimensions, metadata) that runs compiled where clauses.
 * It lets the query tests evaluate result sets on a real SQL engine independently of the registry.
 */
import Database from 'better-sqlite3';
import type { DimensionUniverse, FieldType } from '../universe.js';
import { analyseExpression, type Bind } from './check.js';
import { compileWhere } from './compile.js';
import { parseExpression } from './parser.js';

export type Row = Record<string, string | number>;

const iso = (s: string): string => new Date(s).toISOString();

function visit(
  id: number,
  instrument: string,
  filter: string,
  dayObs: number,
  begin: string,
  extra: Row = {},
): Row {
  const b = new Date(begin);
  return {
    instrument,
    id,
    name: `v${id}`,
    physical_filter: filter,
    day_obs: dayObs,
    exposure_time: 30,
    target_name: 'field1',
    observation_reason: 'science',
    science_program: 'survey',
    zenith_angle: 20 + (id % 10),
    timespan_begin: b.toISOString(),
    timespan_end: new Date(b.getTime() + 30_000).toISOString(),
    ...extra,
  };
}

/** Dimension records of the fixture, in insertion order (dependencies first). */
export function fixtureRecords(): [string, Row[]][] {
  const visits = [
    visit(2340, 'LSSTCam-imSim', 'r_sim_1.4', 20211213, '2021-12-13T04:19:00Z'),
    visit(8004, 'LSSTCam-imSim', 'g_sim_1.4', 20211213, '2021-12-13T05:00:00Z', { exposure_time: 15 }),
    visit(8005, 'LSSTCam-imSim', 'g_sim_1.4', 20211214, '2021-12-14T03:00:00Z', { target_name: 'field2' }),
    visit(100, 'ToyCam', 'g_01', 20211213, '2021-12-13T01:00:00Z'),
    visit(101, 'ToyCam', 'r_01', 20211213, '2021-12-13T01:30:00Z', { exposure_time: 15.5 }),
    visit(102, 'ToyCam', 'i_01', 20211214, '2021-12-14T02:00:00Z', { observation_reason: 'calibration' }),
    visit(103, 'ToyCam', 'r_01', 20211214, '2021-12-14T02:30:00Z'),
    visit(110, 'ToyCam', 'g_01', 20211215, '2021-12-15T00:00:00Z'),
  ];
  const exposures = visits.map((v) => ({
    instrument: v.instrument,
    id: v.id,
    obs_id: `obs_${v.id}`,
    physical_filter: v.physical_filter,
    day_obs: v.day_obs,
    exposure_time: v.exposure_time,
    observation_type: v.observation_reason === 'science' ? 'science' : 'flat',
    seq_num: Number(v.id) % 100,
    timespan_begin: v.timespan_begin,
    timespan_end: v.timespan_end,
  }));
  const detectors = (instrument: string, n: number): Row[] =>
    Array.from({ length: n }, (_, i) => ({
      instrument,
      id: i,
      full_name: `R22_S${String(i).padStart(2, '0')}`,
      name_in_raft: `S${String(i).padStart(2, '0')}`,
      raft: 'R22',
      purpose: i === 3 ? 'WAVEFRONT' : 'SCIENCE',
    }));
  const dets = [...detectors('LSSTCam-imSim', 3), ...detectors('ToyCam', 4)];
  const square = JSON.stringify({
    vertices: [
      [10, 0],
      [10.1, 0],
      [10.1, 0.1],
      [10, 0.1],
    ],
  });
  const visitDetectors = visits.flatMap((v) =>
    dets
      .filter((d) => d.instrument === v.instrument)
      .map((d) => ({ instrument: v.instrument, visit: v.id, detector: d.id, region: square })),
  );
  const days = (instrument: string): Row[] =>
    [20211213, 20211214, 20211215].map((id) => ({
      instrument,
      id,
      timespan_begin: iso(`${String(id).slice(0, 4)}-12-${String(id).slice(6)}T12:00:00Z`),
    }));
  return [
    [
      'instrument',
      [
        {
          name: 'LSSTCam-imSim',
          visit_max: 9999999,
          exposure_max: 9999999,
          detector_max: 189,
          class_name: 'lsst.obs.lsst.LsstCamImSim',
        },
        {
          name: 'ToyCam',
          visit_max: 999999,
          exposure_max: 999999,
          detector_max: 4,
          class_name: 'quanta.ToyCam',
        },
      ],
    ],
    ['band', ['g', 'r', 'i'].map((name) => ({ name }))],
    [
      'physical_filter',
      [
        { instrument: 'LSSTCam-imSim', name: 'g_sim_1.4', band: 'g' },
        { instrument: 'LSSTCam-imSim', name: 'r_sim_1.4', band: 'r' },
        { instrument: 'ToyCam', name: 'g_01', band: 'g' },
        { instrument: 'ToyCam', name: 'r_01', band: 'r' },
        { instrument: 'ToyCam', name: 'i_01', band: 'i' },
      ],
    ],
    ['detector', dets],
    ['day_obs', [...days('LSSTCam-imSim'), ...days('ToyCam')]],
    ['exposure', exposures],
    ['visit', visits],
    ['visit_definition', exposures.map((e) => ({ instrument: e.instrument, exposure: e.id, visit: e.id }))],
    // every detector of a visit's instrument saw the visit (the registry joins visit and detector through these)
    ['visit_detector_region', visitDetectors],
    ['skymap', [{ name: 'toy_skymap', hash: 'abc', tract_max: 10, patch_nx_max: 3, patch_ny_max: 3 }]],
    ['tract', [0, 1, 2].map((id) => ({ skymap: 'toy_skymap', id }))],
    [
      'patch',
      [0, 1, 2].flatMap((tract) =>
        Array.from({ length: 9 }, (_, id) => ({
          skymap: 'toy_skymap',
          tract,
          id,
          cell_x: id % 3,
          cell_y: Math.floor(id / 3),
        })),
      ),
    ],
  ];
}

/** Columns of an element's table under the registry convention, with their field types. */
export function columnsOf(universe: DimensionUniverse, element: string): { name: string; type: FieldType }[] {
  const e = universe.element(element);
  const names = [
    ...new Set([...e.requires, ...e.keys.map((k) => k.name), ...e.implies, ...e.metadata.map((m) => m.name)]),
  ];
  return names.map((name) => ({
    name,
    type: (universe.fields(element).find((f) => f.name === name) ?? universe.primaryKey(name)).type,
  }));
}

const q = (s: string): string => `"${s}"`;

export interface QueryOptions {
  bind?: Bind;
  dialect?: 'sqlite' | 'postgres';
  paramStart?: number;
  /** leading parameters already in the statement (to test paramStart) */
  leading?: unknown[];
}

/**
 * The SQL of a data-ID query over the dim_ tables: the queried dimensions, everything they
 * require or imply, and every element the where clause names, joined on the key columns.
 */
export function dataIdQuery(
  universe: DimensionUniverse,
  dimensions: string[],
  where: string,
  opts: QueryOptions = {},
): { sql: string; params: unknown[] } {
  const expr = parseExpression(where);
  const column = (element: string, field: string): string => `${q(`dim_${element}`)}.${q(field)}`;
  const dialect = opts.dialect ?? 'sqlite';
  const compiled = compileWhere(expr, {
    universe,
    dialect,
    bind: opts.bind,
    column,
    paramStart: opts.paramStart,
  });
  const referenced = analyseExpression(expr, universe, { bind: opts.bind }).dimensions;
  const dims = universe.expand([...dimensions, ...[...referenced].filter((d) => universe.isDimension(d))]);
  const tables = [...new Set([...dims, ...referenced])];
  const joins: string[] = [];
  for (const t of tables) {
    const e = universe.element(t);
    for (const d of [...e.requires, ...e.implies]) {
      if (!tables.includes(d)) continue;
      joins.push(`${column(t, d)} = ${column(d, universe.primaryKey(d).name)}`);
      // a dimension keyed within an instrument/skymap shares that parent with its dependents
      for (const r of universe.element(d).requires)
        if (e.requires.includes(r)) joins.push(`${column(t, r)} = ${column(d, r)}`);
    }
  }
  if (opts.leading?.length) joins.unshift(dialect === 'sqlite' ? '? = ?' : '$1 = $2');
  const select = dimensions.map((d) => `${column(d, universe.primaryKey(d).name)} AS ${q(d)}`).join(', ');
  const from = tables.map((t) => q(`dim_${t}`)).join(', ');
  const sql = `SELECT DISTINCT ${select} FROM ${from} WHERE ${[...joins, compiled.sql].join(' AND ')}`;
  return { sql, params: [...(opts.leading ?? []), ...compiled.params] };
}

const SQL_TYPES: Record<'sqlite' | 'postgres', Record<FieldType, string>> = {
  sqlite: {
    int: 'INTEGER',
    float: 'REAL',
    string: 'TEXT',
    datetime: 'TEXT',
    region: 'TEXT',
    bool: 'INTEGER',
  },
  postgres: {
    int: 'bigint',
    float: 'double precision',
    string: 'text',
    datetime: 'timestamptz',
    region: 'text',
    bool: 'boolean',
  },
};

/** CREATE TABLE + INSERT statements of the fixture for a dialect. */
export function fixtureStatements(
  universe: DimensionUniverse,
  dialect: 'sqlite' | 'postgres',
): { sql: string; params: unknown[] }[] {
  const out: { sql: string; params: unknown[] }[] = [];
  for (const [el, rows] of fixtureRecords()) {
    const cols = columnsOf(universe, el);
    out.push({
      sql: `CREATE TABLE ${q(`dim_${el}`)} (${cols.map((c) => `${q(c.name)} ${SQL_TYPES[dialect][c.type]}`).join(', ')})`,
      params: [],
    });
    const marks = cols.map((_, i) => (dialect === 'sqlite' ? '?' : `$${i + 1}`)).join(', ');
    const insert = `INSERT INTO ${q(`dim_${el}`)} (${cols.map((c) => q(c.name)).join(', ')}) VALUES (${marks})`;
    for (const r of rows) out.push({ sql: insert, params: cols.map((c) => r[c.name] ?? null) });
  }
  return out;
}

/** A miniature registry: the fixture's dim_ tables in an in-memory SQLite database. */
export class MiniRegistry {
  readonly db = new Database(':memory:');

  constructor(readonly universe: DimensionUniverse) {
    for (const st of fixtureStatements(universe, 'sqlite')) this.db.prepare(st.sql).run(...st.params);
  }

  /** Distinct data IDs (query dimensions only) matching `where`. */
  queryDataIds(dimensions: string[], where: string, bind?: Bind): Row[] {
    const { sql, params } = dataIdQuery(this.universe, dimensions, where, { bind, leading: [1, 1] });
    return this.db.prepare(sql).all(...params) as Row[];
  }
}
