/**
 * The table of dataQuery expressions the query tests run (test support, not used at run time):
 * valid expressions with their expected result sets on the fixture repository of
 * fixture.testkit.ts, and invalid ones with the error they must produce.
 * Expected values: the queried dimensions' values per data ID (a scalar for one dimension, a tuple
 * otherwise), in ascending order.
 *
 * `governor` marks the clauses daf_butler refuses as written (the governor rule,
 * src/butler/registry/governors.ts): they name a value or alternate key of a dimension that depends
 * on that governor without naming the governor. The compiled-SQL run evaluates them as written; the
 * registry runs expect the refusal, then check the rows of `governed(c)`, the same clause with the
 * governor named for every value it has in the fixture (which selects the same rows). The table's
 * marks are checked against daf_butler itself in expressions.test.ts.
 */
import type { Bind } from './check.js';

export type Value = string | number;
export interface ValidCase {
  where: string;
  dims?: string[];
  bind?: Bind;
  expect: (Value | Value[])[];
  /** daf_butler refuses the clause as written: it constrains a dimension of this governor only */
  governor?: 'instrument' | 'skymap';
}
export interface InvalidCase {
  where: string;
  bind?: Bind;
  error: RegExp;
  column?: number;
}

/** Values of `dims` per data ID, deduplicated and sorted, in the shape the case table uses. */
export function project(rows: Record<string, unknown>[], dims: string[]): (Value | Value[])[] {
  const tuples = [
    ...new Map(rows.map((r) => dims.map((d) => r[d] as Value)).map((t) => [JSON.stringify(t), t])).values(),
  ];
  tuples.sort((a, b) => {
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      return typeof a[i] === 'number' ? Number(a[i]) - Number(b[i]) : String(a[i]) < String(b[i]) ? -1 : 1;
    }
    return 0;
  });
  return dims.length === 1 ? tuples.map((t) => t[0]) : tuples;
}

/** Every value of each governor in the fixture (fixture.testkit.ts), as a where clause. */
const EVERY_GOVERNOR_VALUE: Record<NonNullable<ValidCase['governor']>, string> = {
  instrument: "instrument IN ('LSSTCam-imSim', 'ToyCam')",
  skymap: "skymap = 'toy_skymap'",
};

/** The case's where clause with its governor named (a clause daf_butler accepts, same rows). */
export function governed(c: ValidCase): string {
  return c.governor ? `${EVERY_GOVERNOR_VALUE[c.governor]} AND (${c.where})` : c.where;
}

const ALL_VISITS = [100, 101, 102, 103, 110, 2340, 8004, 8005];
const EXP = ['exposure'];
const DET = ['instrument', 'detector'];

export const VALID: ValidCase[] = [
  { where: "instrument='LSSTCam-imSim' and visit in (2340, 8004, 8005)", expect: [2340, 8004, 8005] },
  { where: "instrument='LSSTCam-imSim' and visit in (2340, 8004, 9999)", expect: [2340, 8004] },
  { where: 'visit = 100', governor: 'instrument', expect: [100] },
  { where: "visit != 100 and instrument = 'ToyCam'", expect: [101, 102, 103, 110] },
  { where: 'visit > 103', governor: 'instrument', expect: [110, 2340, 8004, 8005] },
  { where: 'visit >= 103 and visit <= 110', governor: 'instrument', expect: [103, 110] },
  { where: 'visit < 101', governor: 'instrument', expect: [100] },
  { where: 'visit IN (100..103)', governor: 'instrument', expect: [100, 101, 102, 103] },
  { where: 'visit in (100..110:5)', governor: 'instrument', expect: [100, 110] },
  { where: 'visit not in (100..103)', governor: 'instrument', expect: [110, 2340, 8004, 8005] },
  { where: 'visit in (100..8005)', governor: 'instrument', expect: ALL_VISITS },
  { where: 'visit in (101..8005:2)', governor: 'instrument', expect: [101, 103, 8005] },
  {
    where: 'visit in (100, 101..102, 8004..8005:1)',
    governor: 'instrument',
    expect: [100, 101, 102, 8004, 8005],
  },
  { where: 'visit in (-10..-1:3, 100)', governor: 'instrument', expect: [100] },
  { where: "band = 'g'", expect: [100, 110, 8004, 8005] },
  { where: "band in ('r', 'i') and instrument = 'ToyCam'", expect: [101, 102, 103] },
  { where: "physical_filter = 'r_01'", governor: 'instrument', expect: [101, 103] },
  { where: "visit.physical_filter = 'g_sim_1.4'", governor: 'instrument', expect: [8004, 8005] },
  { where: "instrument = 'LSSTCam-imSim' AND band = 'r'", expect: [2340] },
  { where: 'visit.day_obs = 20211214', governor: 'instrument', expect: [102, 103, 8005] },
  { where: 'day_obs = 20211215', governor: 'instrument', expect: [110] },
  { where: 'exposure.day_obs = 20211213', governor: 'instrument', dims: EXP, expect: [100, 101, 2340, 8004] },
  {
    where: "exposure.observation_type = 'science'",
    dims: EXP,
    expect: [100, 101, 103, 110, 2340, 8004, 8005],
  },
  { where: "exposure.observation_type != 'science'", dims: EXP, expect: [102] },
  {
    where: "exposure.obs_id in ('obs_100', 'obs_2340')",
    governor: 'instrument',
    dims: EXP,
    expect: [100, 2340],
  },
  { where: 'exposure.seq_num < 3', dims: EXP, expect: [100, 101, 102] },
  { where: "visit.name = 'v8004'", governor: 'instrument', expect: [8004] },
  { where: "visit.target_name = 'field2' or visit.observation_reason = 'calibration'", expect: [102, 8005] },
  { where: 'visit.exposure_time < 20', expect: [101, 8004] },
  { where: 'visit.exposure_time = 15.5', expect: [101] },
  { where: 'visit.exposure_time > 15.25 and visit.exposure_time < 16', expect: [101] },
  { where: "visit.exposure_time = 3e1 and instrument = 'ToyCam'", expect: [100, 102, 103, 110] },
  { where: 'visit = 1e2', governor: 'instrument', expect: [100] },
  { where: 'visit.zenith_angle + 0.5 > 24', expect: [8004, 8005] },
  { where: "visit.timespan.begin > T'2021-12-14'", expect: [102, 103, 110, 8005] },
  { where: "visit.timespan.begin < T'2021-12-13T04:19:00'", expect: [100, 101] },
  { where: "visit.timespan.begin = T'2021-12-13T04:19:00'", expect: [2340] },
  { where: "visit.timespan.begin >= T'2021-12-13 04:19:00'", expect: [102, 103, 110, 2340, 8004, 8005] },
  // IN with times is equality with any of them, as in daf_butler's query system
  { where: "visit.timespan.begin in (T'2021-12-13T04:19:00', T'2021-12-13 01:00')", expect: [100, 2340] },
  {
    where: "visit.timespan.begin not in (T'2021-12-13T04:19:00', T'2021-12-13 01:00')",
    expect: [101, 102, 103, 110, 8004, 8005],
  },
  { where: "visit.timespan.begin > T'mjd/59562.0/utc'", expect: [102, 103, 110, 8005] },
  { where: "visit.timespan.begin > T'59562.0'", expect: [102, 103, 110, 8005] },
  { where: "visit.timespan.begin > T'unix/1639450800.0'", expect: [110] },
  { where: "visit.timespan.begin > T'2021:348:03:00'", expect: [110] },
  { where: "visit.timespan.begin > T'jd/2459563.5/utc'", expect: [] },
  { where: "visit.timespan.begin >= T'jd/2459563.5/utc'", expect: [110] },
  { where: "visit.timespan OVERLAPS (T'2021-12-13T04:19:10', T'2021-12-13T05:00:00')", expect: [2340] },
  { where: "visit.timespan OVERLAPS (T'2021-12-14T03:00:00', NULL)", expect: [110, 8005] },
  { where: "visit.timespan OVERLAPS (NULL, T'2021-12-13T01:00:00.001')", expect: [100] },
  { where: "visit.timespan OVERLAPS (T'2021-12-14', T'2021-12-13')", expect: [] },
  { where: "visit.timespan OVERLAPS T'2021-12-13T01:30:29'", expect: [101] },
  { where: "visit.timespan OVERLAPS T'2021-12-13T01:30:30'", expect: [] },
  { where: "T'2021-12-13T01:30:00' OVERLAPS visit.timespan", expect: [101] },
  {
    where: 'visit.timespan OVERLAPS ts',
    bind: { ts: { begin: new Date('2021-12-15T00:00:10Z'), end: null } },
    expect: [110],
  },
  {
    where: 'visit.timespan OVERLAPS exposure.timespan and exposure = 100',
    governor: 'instrument',
    expect: [100],
  },
  { where: "visit.timespan = (T'2021-12-15T00:00:00', T'2021-12-15T00:00:30')", expect: [110] },
  { where: "GLOB(visit.name, 'v80*')", governor: 'instrument', expect: [8004, 8005] },
  { where: "glob(visit.name, 'v10?')", governor: 'instrument', expect: [100, 101, 102, 103] },
  { where: "GLOB(visit.physical_filter, 'g_sim_1.?')", governor: 'instrument', expect: [8004, 8005] },
  { where: "not GLOB(visit.name, :p) and instrument = 'ToyCam'", bind: { p: 'v1*' }, expect: [] },
  { where: 'visit.name != NULL and visit < 101', governor: 'instrument', expect: [100] },
  { where: 'visit.name = NULL', governor: 'instrument', expect: [] },
  { where: "purpose = 'WAVEFRONT'", dims: DET, expect: [['ToyCam', 3]] },
  {
    where: "raft = 'R22' and instrument = 'ToyCam' and detector < 2",
    dims: DET,
    expect: [
      ['ToyCam', 0],
      ['ToyCam', 1],
    ],
  },
  {
    where: "T'2021-12-13T02:00:00' < visit.timespan.end and visit.timespan.end < T'2021-12-13T05:00:00'",
    expect: [2340],
  },
  { where: 'detector = 3', governor: 'instrument', dims: DET, expect: [['ToyCam', 3]] },
  { where: "detector.purpose = 'WAVEFRONT'", dims: DET, expect: [['ToyCam', 3]] },
  {
    where: "detector.full_name = 'R22_S01'",
    governor: 'instrument',
    dims: DET,
    expect: [
      ['LSSTCam-imSim', 1],
      ['ToyCam', 1],
    ],
  },
  { where: "instrument = 'ToyCam' and detector in (0, 2)", dims: ['detector'], expect: [0, 2] },
  {
    where: "visit = 2340 and detector.raft = 'R22'",
    governor: 'instrument',
    dims: ['visit', 'detector'],
    expect: [
      [2340, 0],
      [2340, 1],
      [2340, 2],
    ],
  },
  {
    where: 'visit.day_obs = 20211213 and detector = 3',
    governor: 'instrument',
    dims: ['visit', 'detector'],
    expect: [
      [100, 3],
      [101, 3],
    ],
  },
  { where: '(visit = 100 OR visit = 101) AND visit % 2 = 1', governor: 'instrument', expect: [101] },
  { where: "NOT visit = 100 AND instrument = 'ToyCam'", expect: [101, 102, 103, 110] },
  { where: "not (visit = 100 or visit = 101) and instrument = 'ToyCam'", expect: [102, 103, 110] },
  { where: 'visit IN (100) oR visit nOt In (100..8003)', governor: 'instrument', expect: [100, 8004, 8005] },
  { where: 'visit - 100 = 3', governor: 'instrument', expect: [103] },
  { where: 'visit * 2 = 220', governor: 'instrument', expect: [110] },
  { where: '-visit = -2340', governor: 'instrument', expect: [2340] },
  { where: 'visit + -1 = 99', governor: 'instrument', expect: [100] },
  { where: 'visit % 10 = 0 and visit < 1000', governor: 'instrument', expect: [100, 110] },
  { where: 'visit / 2 = 50', governor: 'instrument', expect: [100, 101] },
  { where: "instrument = 'ToyCam'\n  AND visit > 102", expect: [103, 110] },
  { where: '', expect: ALL_VISITS },
  {
    where: 'instrument = inst and visit in (ids)',
    bind: { inst: 'ToyCam', ids: [100, 103, 999] },
    expect: [100, 103],
  },
  { where: 'visit.day_obs = :day', governor: 'instrument', bind: { day: 20211215 }, expect: [110] },
  {
    where: 'visit.timespan.begin >= t0',
    bind: { t0: new Date('2021-12-14T02:30:00Z') },
    expect: [103, 110, 8005],
  },
  { where: 'visit.exposure_time < maxtime', bind: { maxtime: 15.5 }, expect: [8004] },
  { where: 'band in (bands, :other)', bind: { bands: ['i'], other: 'r' }, expect: [101, 102, 103, 2340] },
  {
    where: 'tract = 1 and patch.cell_x = 2',
    governor: 'skymap',
    dims: ['tract', 'patch'],
    expect: [
      [1, 2],
      [1, 5],
      [1, 8],
    ],
  },
  {
    where: "skymap = 'toy_skymap' and tract in (0..2:2) and patch = 4",
    dims: ['tract', 'patch'],
    expect: [
      [0, 4],
      [2, 4],
    ],
  },
  {
    where: 'patch.cell_x = patch.cell_y and tract = 0',
    governor: 'skymap',
    dims: ['patch'],
    expect: [0, 4, 8],
  },
];

export const INVALID: InvalidCase[] = [
  { where: 'visit = = 3', error: /expected a value .* found '='.*\nvisit = = 3\n {8}\^$/s, column: 9 },
  { where: 'visit =', error: /expected a value.*found the end of the expression/, column: 8 },
  { where: 'visit in 3', error: /expected '\(' after IN/, column: 10 },
  { where: 'visit in (1, 2', error: /expected ',' or '\)' in the IN list/ },
  { where: '(visit = 1', error: /expected '\)' to close the '\('/ },
  { where: 'visit = 1)', error: /this '\)' has no matching '\('/, column: 10 },
  { where: "band = 'g", error: /unterminated string/, column: 8 },
  { where: 'visit == 3', error: /unknown operator '=='; write '='/ },
  { where: 'visit <> 3', error: /unknown operator '<>'; write '!='/ },
  { where: 'visit = 3 and', error: /found the end of the expression/ },
  { where: 'visit $ 3', error: /unexpected character '\$'/, column: 7 },
  { where: 'visit = 1 visit = 2', error: /expected AND, OR, an operator or the end/, column: 11 },
  { where: 'visit not 3', error: /expected IN after NOT/ },
  { where: 'a.b.c.d = 1', error: /too many dots/ },
  { where: 'visit = 99999999999999999999', error: /out of range/ },
  { where: 'visit in (1..3:0)', error: /stride of a range must be 1 or more/ },
  { where: '1..3 = visit', error: /1..3 \(a range\) cannot be compared/, column: 8 },
  { where: 'visit in (3..1)', error: /stop must be at least the start minus one/, column: 11 },
  { where: "(visit.day_obs = 20211214) = (band = 'g')", error: /\(a condition\) cannot be compared/ },
  { where: "visit.timespan.begin in (T'2021-12-13', 5)", error: /Type mismatch in IN/ },
  { where: "visit.timespan OVERLAPS (T'2021-12-13', 5)", error: /A timespan \(begin, end\) needs two times/ },
  {
    where: "visit.timespan OVERLAPS (T'2021-12-13', T'2021-12-14', T'2021-12-15')",
    error: /a tuple has exactly two items/,
  },
  { where: 'visit.timespan OVERLAPS 5', error: /cannot be compared with 5 \(an integer\) using OVERLAPS/ },
  { where: "visit.timespan_begin > T'2021-12-13'", error: /Unknown field 'timespan_begin' of 'visit'/ },
  { where: "GLOB(visit, 'x')", error: /GLOB\(\) first argument must be a string column/ },
  { where: "GLOB('x', visit.name)", error: /GLOB\(\) first argument must be an identifier/ },
  { where: 'FOO(visit) = 1', error: /Unknown function 'FOO'/ },
  { where: 'POINT(1) OVERLAPS visit.region', error: /POINT requires two arguments/ },
  { where: "CIRCLE(1, 2, 'x') OVERLAPS visit.region", error: /CIRCLE radius argument must be a number/ },
  { where: 'visit.region OVERLAPS CIRCLE(1, 2, visit.zenith_angle)', error: /is not a literal number/ },
  { where: "UUID('abc') = visit.name", error: /UUID\(\) argument 'abc' is not a UUID/ },
  {
    where: 'visit.region OVERLAPS POINT(1, 2) OR visit = 1',
    error: /nested inside OR or NOT are not supported/,
  },
  { where: 'NOT visit.region OVERLAPS POINT(1, 2)', error: /nested inside OR or NOT are not supported/ },
  { where: 'POINT(1, 2) OVERLAPS CIRCLE(1, 2, 3)', error: /requires at least one dimension region column/ },
  { where: 'visit.region = POINT(1, 2)', error: /use OVERLAPS/ },
  { where: 'id = 2', error: /Ambiguous name 'id'/ },
  { where: "ingest_date > T'2021-01-01'", error: /Unknown dimension, field or bind parameter 'ingest_date'/ },
  { where: 'visit = NULL + 1', error: /Arithmetic '\+' needs numbers/ },
  { where: 'NULL = NULL', error: /NULL \(NULL\) cannot be compared/ },
  { where: "band = 'it''s'", error: /expected AND, OR, an operator or the end/ },
  { where: 'visit in (visit + 1)', error: /expected ',' or '\)' in the IN list/ },
  { where: 'visit in (POINT(1, 2))', error: /POINT\(\.\.\.\) is not allowed in an IN list/, column: 11 },
  { where: 'visit in (visit.id)', error: /a name without dots or a :bind in the IN list/, column: 11 },
  {
    where: 'visit overlaps tract',
    error: /visit \(an integer\) cannot be compared with tract \(an integer\) using OVERLAPS/,
  },
  { where: "T'2021-13-01' < visit.timespan.begin", error: /Bad time literal.*does not match/, column: 1 },
  { where: "visit.timespan.begin > T'59000.0/xyz'", error: /unknown time scale 'xyz'/ },
  {
    where: "visit.timespan.begin > T'59000'",
    error: /does not match a known format.*decimal point is needed/,
  },
  {
    where: 'visitt = 3',
    error:
      /Unknown dimension, field or bind parameter 'visitt'; did you mean 'visit'\? Known dimensions: .*band/,
    column: 1,
  },
  {
    where: 'visit.dayobs = 3',
    error: /Unknown field 'dayobs' of 'visit'; did you mean 'day_obs'\? Fields of visit: id, instrument/,
  },
  { where: "exposure.observation_typ = 'science'", error: /did you mean 'observation_type'/ },
  { where: "skymap.hash.x = 'a'", error: /only three-part names are <element>.timespan.begin/ },
  { where: 'visit_definition = 3', error: /'visit_definition' is a join element/ },
  {
    where: "visit.timespan > T'2021-01-01'",
    error: /visit.timespan \(a timespan\) cannot be compared with T'2021-01-01' \(a time\) using >/,
  },
  {
    where: "visit = 'abc'",
    error: /Type mismatch: visit \(an integer\) cannot be compared with 'abc' \(a string\)/,
    column: 9,
  },
  {
    where: 'instrument = 3',
    error: /instrument \(a string\) cannot be compared with 3 \(an integer\)/,
    column: 14,
  },
  {
    where: "visit.day_obs > T'2021-12-13'",
    error: /visit.day_obs \(an integer\) cannot be compared with T'2021-12-13' \(a time\)/,
  },
  { where: 'visit.timespan.begin > 5', error: /\(a time\) cannot be compared with 5/ },
  { where: 'visit.region = 3', error: /visit.region \(a region\) cannot be compared/ },
  {
    where: "band in ('g', 3)",
    error: /Type mismatch in IN: band \(a string\) cannot be compared with 3/,
    column: 15,
  },
  { where: 'band in (1..3)', error: /range 1..3 needs an integer on the left of IN, but band \(a string\)/ },
  { where: 'visit.exposure_time in (1..3)', error: /range 1..3 needs an integer.*\(a number\)/ },

  { where: 'visit and detector = 1', error: /Each side of AND must be a condition.*visit \(an integer\)/ },
  { where: 'visit + 1', error: /The expression must be a condition/ },
  { where: 'not visit', error: /The operand of NOT must be a condition/ },
  { where: 'band + 1 = 2', error: /Arithmetic '\+' needs numbers, but band \(a string\)/ },
  { where: "-band = 'g'", error: /Unary '-' needs a number/ },
  { where: '(visit = 1) < (visit = 2)', error: /visit = 1 \(a condition\) cannot be compared/ },
  { where: 'instrument = inst', error: /Unknown dimension, field or bind parameter 'inst'/ },
  {
    where: 'visit = :v',
    error: /Unknown bind parameter ':v' \(bind parameters: none were given\)/,
    column: 9,
  },
  {
    where: 'visit = ids',
    bind: { ids: [1, 2] },
    error: /'ids' is a list; a list is only allowed as an item of IN/,
  },
  { where: 'visit in (ids)', bind: { ids: [] }, error: /'ids' is an empty list/ },
  { where: 'band = bnd', bind: { bnd: {} as unknown as string }, error: /unsupported type/ },
  { where: 'visit in (ids)', bind: { ids: ['a', 'b'] }, error: /Type mismatch in IN/ },
];
