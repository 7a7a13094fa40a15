/**
 * A spatial join (spatial-join.ts) and the where clause's literal-region constraints as SQL
 * pieces plus a row filter: the SQL pre-filter joins the common-skypix overlap tables (two
 * regions are candidates when they share a pixel), the region columns come back with the rows,
 * and the exact polygon test decides in JS. Duplicates from several shared pixels are removed
 * by the caller after projecting the rows to the columns it returns.
 */
import { QueryError } from '../../errors.js';
import { htmEnvelopeOf, htmTrixel, rangesContain } from '../htm.js';
import type { Region, SkyRegion } from '../region.js';
import { overlaps, toRaDec } from '../region.js';
import type { ConvexPolygon } from '../sphere.js';
import { polygonFromRaDec, polygonsOverlap } from '../sphere.js';
import type { DimensionUniverse } from '../universe.js';
import { q } from './db.js';
import type { JoinPlan } from './joins.js';
import { SKYPIX_COLUMN, overlapTable } from './skypix-overlaps.js';
import type { SpatialConstraint, SpatialEndpoint, SpatialJoin } from './spatial-join.js';
import { commonSkyPix, elementDimensions, skyPixOf } from './spatial-join.js';

export interface SpatialSql {
  /** `JOIN ...` clauses to append to the plan's FROM */
  joins: string;
  /** extra SELECT expressions (`expr AS "alias"`) the filter reads */
  columns: string[];
  /** the exact test; rows carry the extra columns */
  keep(row: Record<string, unknown>): boolean;
  /** the extra column aliases, to drop from rows after filtering */
  aliases: string[];
}

function regionField(universe: DimensionUniverse, element: string): string {
  return universe.element(element).metadata.find((f) => f.type === 'region')!.name;
}

/** Parsed regions by their JSON text: a query sees the same few regions on many rows. */
class RegionCache {
  private readonly m = new Map<string, ConvexPolygon>();
  private readonly texts = new Map<string, Region>();
  raw(text: unknown): Region | undefined {
    if (text === null || text === undefined) return undefined;
    const s = String(text);
    let r = this.texts.get(s);
    if (!r) this.texts.set(s, (r = JSON.parse(s) as Region));
    return r;
  }
  get(text: unknown): ConvexPolygon | undefined {
    if (text === null || text === undefined) return undefined;
    const s = String(text);
    let p = this.m.get(s);
    if (!p) {
      p = polygonFromRaDec((JSON.parse(s) as { vertices: [number, number][] }).vertices);
      this.m.set(s, p);
    }
    return p;
  }
}

function isCommon(universe: DimensionUniverse, e: SpatialEndpoint): boolean {
  const c = commonSkyPix(universe);
  return e.kind === 'skypix' && e.pix.system === c.system && e.pix.level === c.level;
}

export function spatialSql(
  universe: DimensionUniverse,
  plan: JoinPlan,
  join: SpatialJoin | undefined,
  constraints: SpatialConstraint[] = [],
): SpatialSql {
  const joins: string[] = [];
  const columns: string[] = [];
  const tests: ((row: Record<string, unknown>) => boolean)[] = [];
  const cache = new RegionCache();
  const regionColumn = (element: string, alias: string): string => {
    columns.push(`${plan.column(element, regionField(universe, element))} AS ${q(alias)}`);
    return alias;
  };
  const overlapJoin = (element: string, alias: string, on: string[] = []): void => {
    const conds = elementDimensions(universe, element).map((d) => `${q(alias)}.${q(d)} = ${plan.value(d)}`);
    joins.push(`JOIN ${q(overlapTable(element))} ${q(alias)} ON ${[...on, ...conds].join(' AND ')}`);
  };
  if (join) {
    const { a, b } = join;
    if (a.kind === 'region' && b.kind === 'region') {
      overlapJoin(a.element, '__sa');
      overlapJoin(b.element, '__sb', [`${q('__sb')}.${SKYPIX_COLUMN} = ${q('__sa')}.${SKYPIX_COLUMN}`]);
      const ca = regionColumn(a.element, '__region_a');
      const cb = regionColumn(b.element, '__region_b');
      tests.push((row) => {
        const ra = cache.get(row[ca]);
        const rb = cache.get(row[cb]);
        return ra !== undefined && rb !== undefined && polygonsOverlap(ra, rb);
      });
    } else {
      const pix = a.kind === 'skypix' ? a : b;
      const other = a.kind === 'skypix' ? b : a;
      if (other.kind !== 'region' || !isCommon(universe, pix) || pix.kind !== 'skypix')
        throw new QueryError(
          'QUERY_SPATIAL_UNSUPPORTED',
          `Unsupported combination for a spatial join: ${describe(a)} and ${describe(b)} (daf_butler relates only the common skypix dimension ${commonName(universe)} to regions).`,
        );
      // the overlap table is the answer (the envelope, as daf_butler's): the skypix value is its column
      overlapJoin(other.element, '__sa', [`${q('__sa')}.${SKYPIX_COLUMN} = ${plan.value(pix.dimension)}`]);
    }
  }
  constraints.forEach((c, i) => {
    const pix = skyPixOf(universe, c.element);
    if (pix) {
      if (pix.system !== 'htm')
        throw new QueryError(
          'QUERY_SPATIAL_UNSUPPORTED',
          `Spatial constraints on ${c.element} are not supported (only HTM pixelizations are).`,
        );
      const alias = `__pix_${i}`;
      columns.push(`${plan.value(c.element)} AS ${q(alias)}`);
      tests.push(pixelTest(pix.level, c.region, alias));
    } else {
      const alias = regionColumn(c.element, `__region_c${i}`);
      const literal = 'vertices' in c.region ? polygonFromRaDec(c.region.vertices) : undefined;
      const region = c.region;
      tests.push((row) => {
        const r = cache.get(row[alias]);
        if (r === undefined) return false;
        if (literal) return polygonsOverlap(r, literal);
        // points, circles and boxes: region.ts decides against the stored polygon
        return overlaps(cache.raw(row[alias])!, region);
      });
    }
  });
  const aliases = columns.map((c) => /AS "([^"]+)"$/.exec(c)![1]);
  return {
    joins: joins.join(' '),
    columns,
    aliases,
    keep: (row) => tests.every((t) => t(row)),
  };
}

/** "the pixel is in the region's envelope": HTM ranges for a polygon, else the trixel's overlap. */
function pixelTest(
  level: number,
  region: SkyRegion,
  alias: string,
): (row: Record<string, unknown>) => boolean {
  if ('vertices' in region) {
    const ranges = htmEnvelopeOf(level, region.vertices);
    return (row) => rangesContain(ranges, Number(row[alias]));
  }
  const seen = new Map<number, boolean>();
  return (row) => {
    const index = Number(row[alias]);
    let hit = seen.get(index);
    if (hit === undefined) {
      const trixel = { vertices: htmTrixel(index).vertices.map((v) => toRaDec(v)) };
      seen.set(index, (hit = overlaps(trixel, region)));
    }
    return hit;
  };
}

function describe(e: SpatialEndpoint): string {
  return e.kind === 'region' ? e.element : e.dimension;
}

function commonName(universe: DimensionUniverse): string {
  const c = commonSkyPix(universe);
  return `${c.system}${c.level}`;
}

/** Filter rows, drop the helper columns and keep the first row of each `key`. */
export function applySpatial<T extends Record<string, unknown>>(
  rows: T[],
  s: SpatialSql,
  key: (row: T) => string,
): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const r of rows) {
    if (!s.keep(r)) continue;
    for (const a of s.aliases) delete r[a];
    const k = key(r);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(r);
  }
  return out;
}
