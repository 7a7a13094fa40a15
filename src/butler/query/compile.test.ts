import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithService, probeService } from '../../../test/helpers/services.js';
import { getUniverse } from '../universe.js';
import { project, VALID } from './cases.testkit.js';
import { dataIdQuery, fixtureStatements, type Row } from './fixture.testkit.js';
import { checkExpression, compileWhere, parseExpression, parseTimeLiteral } from './index.js';

const universe = getUniverse();
const column = (element: string, field: string): string => `"dim_${element}"."${field}"`;
const compile = (where: string, extra: Partial<Parameters<typeof compileWhere>[1]> = {}) =>
  compileWhere(parseExpression(where), { universe, dialect: 'sqlite', column, ...extra });

describe('compileWhere', () => {
  it('compiles to ? placeholders for SQLite with integers as BigInt (integer arithmetic)', () => {
    expect(compile("instrument = 'X' and visit in (1, 2)")).toMatchObject({
      sql: '(("dim_instrument"."name" = ?) AND ("dim_visit"."id" IN (?, ?)))',
      params: ['X', 1n, 2n],
    });
  });

  it('numbers postgres placeholders from paramStart, each with a type cast', () => {
    const { sql, params } = compile("instrument = 'X' and visit.exposure_time > 1.5 and visit in (7)", {
      dialect: 'postgres',
      paramStart: 4,
    });
    expect(sql).toBe(
      '(("dim_instrument"."name" = $4::text) AND ("dim_visit"."exposure_time" > $5::double precision) AND ("dim_visit"."id" IN ($6::bigint)))',
    );
    expect(params).toEqual(['X', 1.5, 7]);
  });

  it('never splices values into the SQL text', () => {
    const evil = 'x"; DROP TABLE dim_visit; --';
    const { sql, params } = compile(`band = '${evil}' or visit.name in ('${evil}')`);
    expect(sql).not.toMatch(/DROP/);
    expect(params).toEqual([evil, evil]);
  });

  it('passes times as ISO-8601 UTC text (SQLite) and timestamptz (postgres)', () => {
    expect(compile("visit.timespan.begin < T'2021-12-13T04:19:00'").params).toEqual([
      '2021-12-13T04:19:00.000Z',
    ]);
    const pgc = compile("visit.timespan.begin < T'2021-12-13'", { dialect: 'postgres' });
    expect(pgc).toMatchObject({
      sql: '("dim_visit"."timespan_begin" < $1::timestamptz)',
      params: ['2021-12-13T00:00:00.000Z'],
    });
  });

  it('expands small ranges into value lists and long ones into BETWEEN with a stride test', () => {
    expect(compile('visit in (1..5:2)')).toMatchObject({
      sql: '("dim_visit"."id" IN (?, ?, ?))',
      params: [1n, 3n, 5n],
    });
    const long = compile('visit not in (100..10000:10)');
    expect(long.sql).toBe('(NOT (("dim_visit"."id" BETWEEN ? AND ? AND ("dim_visit"."id" - ?) % ? = 0)))');
    expect(long.params).toEqual([100n, 10000n, 100n, 10n]);
    expect(() => compile('visit in (5..1)')).toThrow(/stop must be at least the start minus one/);
  });

  it('expands list-valued bind parameters inside IN and lets a bind name shadow a dimension', () => {
    expect(compile('visit in (ids, 9)', { bind: { ids: [1, 2] } }).params).toEqual([1n, 2n, 9n]);
    expect(compile('detector = visit', { bind: { visit: 5 } })).toMatchObject({
      sql: '("dim_detector"."id" = ?)',
      params: [5n],
    });
  });

  it('compiles an empty expression to a condition that is always true', () => {
    expect(compile('')).toMatchObject({ sql: '1 = 1', params: [] });
  });
});

describe('checkExpression', () => {
  it('returns the elements the expression references', () => {
    const e = parseExpression(
      "visit.day_obs = 1 and band = 'g' and detector.purpose = 'x' or exposure.timespan.end > T'2020-01-01'",
    );
    // visit.day_obs is the day_obs dimension's key, as in daf_butler
    expect([...checkExpression(e, universe).dimensions].sort()).toEqual([
      'band',
      'day_obs',
      'detector',
      'exposure',
    ]);
    expect(checkExpression(parseExpression(''), universe).dimensions.size).toBe(0);
  });
});

describe('time literals', () => {
  it('reads ISO dates and date-times as UTC, MJD as TAI unless /utc is given, unix seconds as UTC', () => {
    expect(parseTimeLiteral('2021-12-13')).toBe(Date.parse('2021-12-13T00:00:00Z'));
    expect(parseTimeLiteral('2021-12-13T04:19:00.25')).toBe(Date.parse('2021-12-13T04:19:00.250Z'));
    expect(parseTimeLiteral('mjd/59562.0/utc')).toBe(Date.parse('2021-12-14T00:00:00Z'));
    expect(parseTimeLiteral('mjd/59562/utc')).toMatch(/does not match/); // daf_butler needs the '.'
    expect(parseTimeLiteral('59562.0/mjd/utc')).toMatch(/does not match/);
    expect(parseTimeLiteral('2021-12-13T04:19:00Z')).toMatch(/does not match/);
    expect(parseTimeLiteral('2021-12-13T04:19:00+00:00')).toBe(Date.parse('2021-12-13T04:19:00Z'));
    expect(parseTimeLiteral('mjd/59562.5')).toBe(Date.parse('2021-12-14T11:59:23Z'));
    expect(parseTimeLiteral('59562.')).toBe(Date.parse('2021-12-13T23:59:23Z')); // TAI-UTC = 37 s
    expect(parseTimeLiteral('mjd/51544.0/tai')).toBe(Date.parse('1999-12-31T23:59:28Z')); // 32 s in 2000
    expect(parseTimeLiteral('unix/1639450800.0')).toBe(Date.parse('2021-12-14T03:00:00Z'));
    expect(parseTimeLiteral('59000.5/tt')).toBe(1590926330816);
    expect(parseTimeLiteral('cxcsec/1000.0')).toBe(883613736816);
    expect(parseTimeLiteral('jyear/2000.0')).toBe(946727968000);
    expect(parseTimeLiteral('2020:366')).toBe(Date.parse('2020-12-31T00:00:00Z'));
    expect(parseTimeLiteral('+12020-01-01T00:00:00')).toBe(317147356800000);
    expect(parseTimeLiteral('59000.5/ut1')).toMatch(/not supported by quanta/);
    expect(parseTimeLiteral('2021-02-29')).toMatch(/does not match/);
    expect(parseTimeLiteral('2021-12-13T25:00')).toMatch(/does not match/);
  });
});

const pgProbe = probeService('postgres');
describeWithService('postgres', pgProbe, 'compiled where clauses on PostgreSQL', () => {
  const schema = `query_test_${process.pid}_${Date.now()}`;
  // bigint columns come back as numbers, as from SQLite
  const types = {
    getTypeParser: (oid: number, format?: 'text') =>
      oid === 20 ? Number : pg.types.getTypeParser(oid, format),
  };
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({
      connectionString: pgProbe.env.QUANTA_PG_URL,
      types: types as pg.CustomTypesConfig,
    });
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.query(`SET search_path TO "${schema}"`);
    for (const st of fixtureStatements(universe, 'postgres')) await client.query(st.sql, st.params);
  });
  afterAll(async () => {
    await client.query(`DROP SCHEMA "${schema}" CASCADE`);
    await client.end();
  });
  it.each(VALID.map((c) => [c.where, c] as const))('%s', async (_w, c) => {
    const dims = c.dims ?? ['visit'];
    const { sql, params } = dataIdQuery(universe, dims, c.where, {
      bind: c.bind,
      dialect: 'postgres',
      paramStart: 3,
      leading: [1, 1],
    });
    const { rows } = await client.query(sql, params);
    expect(project(rows as Row[], dims)).toEqual(c.expect);
  });
});
