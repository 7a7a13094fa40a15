import { describe, expect, it } from 'vitest';
import { getUniverse } from '../universe.js';
import { checkExpression, compileWhere, parseExpression } from './index.js';

const universe = getUniverse();
const column = (element: string, field: string): string => `"dim_${element}"."${field}"`;
const compile = (where: string, extra: Partial<Parameters<typeof compileWhere>[1]> = {}) =>
  compileWhere(parseExpression(where), { universe, dialect: 'sqlite', column, ...extra });

describe('region OVERLAPS: spatial constraints for the caller', () => {
  it('returns each ANDed constraint with its region, and SQL that treats it as TRUE', () => {
    const c = compile(
      "instrument = 'X' and visit.region OVERLAPS POINT(53.6, -32.7) and tract.region overlaps CIRCLE(10, 20, 0.5)",
    );
    expect(c.sql).toBe('(("dim_instrument"."name" = ?) AND (1 = 1) AND (1 = 1))');
    expect(c.params).toEqual(['X']);
    expect(c.spatial).toEqual([
      { element: 'visit', region: { point: [53.6, -32.7] } },
      { element: 'tract', region: { center: [10, 20], radius: 0.5 } },
    ]);
  });

  it('builds BOX, POLYGON (as a convex hull) and REGION (IVOA POS) regions', () => {
    expect(compile('visit.region OVERLAPS BOX(10, -5, 4, 2)').spatial[0].region).toEqual({
      lon: [8, 12],
      lat: [-6, -4],
    });
    expect(compile('visit.region OVERLAPS BOX(359, 0, 4, 2)').spatial[0].region).toEqual({
      lon: [357, 1],
      lat: [-1, 1],
    });
    const hull = compile('POLYGON(0, 0, 1, 1, 1, 0, 0, 1) OVERLAPS patch.region').spatial[0];
    expect(hull.element).toBe('patch');
    expect(hull.region).toMatchObject({
      vertices: expect.arrayContaining([
        [0, 0],
        [1, 1],
        [1, 0],
        [0, 1],
      ]),
    });
    expect(compile("visit.region OVERLAPS REGION('CIRCLE 1 2 3')").spatial[0].region).toEqual({
      center: [1, 2],
      radius: 3,
    });
    expect(compile("visit.region OVERLAPS REGION('RANGE 1 2 3 4')").spatial[0].region).toEqual({
      lon: [1, 2],
      lat: [3, 4],
    });
    expect(() => compile("visit.region OVERLAPS REGION('BLOB 1')")).toThrow(/not an IVOA POS region/);
  });

  it('takes coordinates from bind values and regions from region bind values', () => {
    const c = compile('visit.region OVERLAPS CIRCLE(:ra, -:dec, 1) and visit.region OVERLAPS r', {
      bind: {
        ra: 10,
        dec: 5,
        r: {
          vertices: [
            [0, 0],
            [1, 0],
            [0, 1],
          ],
        },
      },
    });
    expect(c.spatial.map((s) => s.region)).toEqual([
      { center: [10, -5], radius: 1 },
      {
        vertices: [
          [0, 0],
          [1, 0],
          [0, 1],
        ],
      },
    ]);
  });

  it('reports explicit spatial joins between two elements', () => {
    expect(compile('visit.region OVERLAPS tract.region').spatialJoins).toEqual([{ a: 'visit', b: 'tract' }]);
  });

  it('rejects spatial constraints under OR or NOT, as daf_butler does', () => {
    for (const w of [
      'visit.region OVERLAPS POINT(1, 2) OR visit = 3',
      'NOT visit.region OVERLAPS POINT(1, 2)',
      'visit = 1 AND NOT (visit = 2 AND visit.region OVERLAPS POINT(1, 2))',
    ])
      expect(() => compile(w), w).toThrow(/QUERY_UNSUPPORTED|nested inside OR or NOT/);
  });

  it('rejects overlaps without a region column, with a non-literal region, or on non-regions', () => {
    expect(() => compile('POINT(1, 2) OVERLAPS POINT(1, 2)')).toThrow(/at least one dimension region column/);
    expect(() => compile('visit.region OVERLAPS CIRCLE(1, 2, 1 + 1)')).toThrow(/not a literal number/);
    expect(() => compile('visit OVERLAPS POINT(1, 2)')).toThrow(/cannot be compared/);
  });
});

describe('timespans, GLOB, NULL and unqualified names', () => {
  it('compiles timespan OVERLAPS with the placeholders in text order', () => {
    const c = compile("visit.timespan OVERLAPS (T'2021-01-01', T'2021-01-02')");
    // the SQL reads `begin < ?end AND ?begin < end`: the params follow the text, not the tuple
    expect(c.sql).toBe('("dim_visit"."timespan_begin" < ? AND ? < "dim_visit"."timespan_end")');
    expect(c.params).toEqual(['2021-01-02T00:00:00.000Z', '2021-01-01T00:00:00.000Z']);
    const pg = compile("visit.timespan OVERLAPS T'2021-01-01'", { dialect: 'postgres', paramStart: 3 });
    expect(pg.sql).toBe(
      '("dim_visit"."timespan_begin" <= $3::timestamptz AND $3::timestamptz < "dim_visit"."timespan_end")',
    );
    expect(pg.params).toEqual(['2021-01-01T00:00:00.000Z']);
    expect(compile('visit.timespan OVERLAPS exposure.timespan').sql).toBe(
      '("dim_visit"."timespan_begin" < "dim_exposure"."timespan_end" AND "dim_exposure"."timespan_begin" < "dim_visit"."timespan_end")',
    );
  });

  it('compiles GLOB for SQLite (GLOB, [ escaped) and PostgreSQL (LIKE, % and _ escaped)', () => {
    expect(compile("GLOB(visit.name, 'a[*_?')")).toMatchObject({
      sql: '("dim_visit"."name" GLOB ?)',
      params: ['a[[]*_?'],
    });
    expect(compile("GLOB(visit.name, 'a%*_?')", { dialect: 'postgres' })).toMatchObject({
      sql: '("dim_visit"."name" LIKE $1::text)',
      params: ['a\\%%\\__'],
    });
  });

  it('compiles = NULL and IN (NULL) to IS NULL', () => {
    expect(compile('visit.name = NULL').sql).toBe('("dim_visit"."name" IS NULL)');
    expect(compile('NULL != visit.name').sql).toBe('("dim_visit"."name" IS NOT NULL)');
    expect(compile("visit.name IN ('a', NULL)").sql).toBe(
      '("dim_visit"."name" IN (?) OR ("dim_visit"."name" IS NULL))',
    );
  });

  it('resolves unqualified fields from the query dimensions, with daf_butler ambiguity errors', () => {
    const e = parseExpression('id = 2');
    expect(() => checkExpression(e, universe, { dimensions: ['visit', 'detector'] })).toThrow(
      /Ambiguous name 'id'.*'detector.id', 'visit.id'/,
    );
    expect(checkExpression(e, universe, { dimensions: ['detector'] }).dimensions).toEqual(
      new Set(['detector']),
    );
    expect(compile("purpose = 'WAVEFRONT'", { dimensions: ['detector'] }).sql).toBe(
      '("dim_detector"."purpose" = ?)',
    );
    expect(compile('exposure_time > 1', { dimensions: ['visit'] }).sql).toBe(
      '("dim_visit"."exposure_time" > ?)',
    );
    expect(() => compile('exposure_time > 1', { dimensions: ['visit', 'exposure'] })).toThrow(/Ambiguous/);
  });

  it('resolves ingest_date to the dataset column of a dataset query, and refuses it elsewhere', () => {
    const datasetColumn = (d: string, f: string): string => `"ds_${d}"."${f}"`;
    expect(compile("ingest_date > T'2021-01-01'", { datasets: ['raw'], datasetColumn }).sql).toBe(
      '("ds_raw"."ingest_date" > ?)',
    );
    expect(compile("calexp.ingest_date > T'2021-01-01'", { datasetColumn }).sql).toBe(
      '("ds_calexp"."ingest_date" > ?)',
    );
    expect(() => compile("raw.ingest_date > T'2021-01-01'")).toThrow(/usable only in dataset queries/);
    expect(() => compile("ingest_date > T'2021-01-01'")).toThrow(
      /Unknown dimension, field or bind parameter 'ingest_date'/,
    );
  });

  it('compares UUIDs as canonical text', () => {
    const datasetColumn = (d: string, f: string): string => `"ds_${d}"."${f}"`;
    expect(
      compile("raw.dataset_id = UUID('{12345678-1234-5678-1234-56781234567A}')", { datasetColumn }),
    ).toMatchObject({
      params: ['12345678-1234-5678-1234-56781234567a'],
    });
  });
});
