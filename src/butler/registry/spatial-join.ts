/**
 * Which spatial join a query needs, decided as daf_butler decides it (queries/overlaps.py):
 *
 * - the universe's elements with a region fall into *families* (an element and those it is
 *   built on: visit_detector_region with visit, patch with tract); each skypix system (htm,
 *   healpix) is a family of its own;
 * - a family takes part in a query when one of its members is in the query's dimensions (the
 *   requested ones plus those of the where clause, the data ID and the datasets); it is
 *   represented by its finest member present (visit_detector_region when detector is there);
 * - families already related by a dataset type whose dimensions hold both members (or by an
 *   explicit overlap in the where clause) need no join;
 * - two unrelated families get one automatic join: rows are kept where the two regions overlap
 *   (for a skypix dimension: where its pixel is in the element's envelope); more than two is a
 *   QueryError, as in daf_butler.
 *
 * Pure: the SQL pre-filter is in skypix-overlaps.ts, the exact filter in spatial-filter.ts.
 */
import { QueryError } from '../../errors.js';
import type { SkyRegion } from '../region.js';
import type { DimensionUniverse } from '../universe.js';

export interface SkyPix {
  system: string;
  level: number;
}

export interface SpatialFamily {
  name: string;
  /** members, finest first */
  members: string[];
  skypix?: boolean;
}

/** One side of a spatial join: a region element, or a skypix dimension. */
export type SpatialEndpoint =
  { kind: 'region'; element: string } | { kind: 'skypix'; dimension: string; pix: SkyPix };

export interface SpatialJoin {
  a: SpatialEndpoint;
  b: SpatialEndpoint;
}

/** A literal-region constraint from the where clause (`visit.region OVERLAPS POINT(...)`). */
export interface SpatialConstraint {
  element: string;
  region: SkyRegion;
}

// daf_butler names skypix dimensions system + level (htm7, healpix11); our universe marks them
// by that name and by having no region of their own.
const SKYPIX_NAME = /^(htm|healpix|q3c|mq3c)(\d+)$/;

export function skyPixOf(universe: DimensionUniverse, name: string): SkyPix | undefined {
  // the universe's own marking (ElementSpec.skypix) when it has one, else the naming convention
  const spec = universe.elements.get(name) as { skypix?: SkyPix } | undefined;
  if (spec?.skypix) return spec.skypix;
  const m = SKYPIX_NAME.exec(name);
  if (!m || !universe.elements.has(name) || hasRegion(universe, name)) return undefined;
  return { system: m[1], level: Number(m[2]) };
}

/** The common skypix dimension that region elements are indexed by (daf_butler: htm7). */
export function commonSkyPix(universe: DimensionUniverse): SkyPix {
  // a universe that names its own common skypix (daf_butler's `skypix.common`) wins
  const named = (universe as unknown as { commonSkyPix?: unknown }).commonSkyPix;
  const m = typeof named === 'string' ? SKYPIX_NAME.exec(named) : null;
  return m ? { system: m[1], level: Number(m[2]) } : { system: 'htm', level: 7 };
}

export function hasRegion(universe: DimensionUniverse, element: string): boolean {
  return universe.element(element).metadata.some((f) => f.type === 'region');
}

/** The dimensions an element's rows are keyed by (required closure, plus itself if a dimension). */
export function elementDimensions(universe: DimensionUniverse, element: string): string[] {
  const spec = universe.element(element);
  return universe.required([...spec.requires, ...(spec.keys.length ? [element] : [])]);
}

const familyCache = new WeakMap<DimensionUniverse, SpatialFamily[]>();

export function spatialFamilies(universe: DimensionUniverse): SpatialFamily[] {
  const hit = familyCache.get(universe);
  if (hit) return hit;
  const regionEls = [...universe.elements.keys()].filter((e) => hasRegion(universe, e));
  // union of region elements where one is built on the other
  const parent = new Map(regionEls.map((e) => [e, e]));
  const find = (e: string): string => {
    let r = e;
    while (parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  for (const a of regionEls)
    for (const b of regionEls)
      if (a !== b && elementDimensions(universe, a).includes(b)) parent.set(find(a), find(b));
  const groups = new Map<string, string[]>();
  for (const e of regionEls) {
    const root = find(e);
    groups.set(root, [...(groups.get(root) ?? []), e]);
  }
  const families: SpatialFamily[] = [...groups.values()].map((members) => {
    const sorted = members.sort(
      (x, y) => elementDimensions(universe, y).length - elementDimensions(universe, x).length,
    );
    return { name: sorted[sorted.length - 1], members: sorted };
  });
  const systems = new Map<string, string[]>();
  for (const d of universe.dimensionNames) {
    const pix = skyPixOf(universe, d);
    if (pix) systems.set(pix.system, [...(systems.get(pix.system) ?? []), d]);
  }
  for (const [system, members] of systems) families.push({ name: system, members, skypix: true });
  familyCache.set(universe, families);
  return families;
}

/** The family's finest member whose dimensions are all in the query, if any. */
function choose(universe: DimensionUniverse, f: SpatialFamily, dims: Set<string>): string | undefined {
  if (f.skypix) return f.members.find((m) => dims.has(m));
  return f.members.find((m) => elementDimensions(universe, m).every((d) => dims.has(d)));
}

function endpoint(universe: DimensionUniverse, f: SpatialFamily, member: string): SpatialEndpoint {
  return f.skypix
    ? { kind: 'skypix', dimension: member, pix: skyPixOf(universe, member)! }
    : { kind: 'region', element: member };
}

/**
 * The automatic spatial join of a query over `dimensions` (the full set: requested, where,
 * data ID and datasets), or undefined when it needs none. `operands` are the dimension sets of
 * the dataset types joined in; `explicit` the element pairs the where clause already overlaps.
 */
export function planSpatialJoin(
  universe: DimensionUniverse,
  dimensions: Iterable<string>,
  operands: string[][] = [],
  explicit: [string, string][] = [],
): SpatialJoin | undefined {
  const dims = new Set(universe.expand(dimensions));
  const present: { family: SpatialFamily; member: string }[] = [];
  for (const f of spatialFamilies(universe)) {
    const member = choose(universe, f, dims);
    if (member) present.push({ family: f, member });
  }
  if (present.length < 2) return undefined;
  // which families are already related (connected components over the present ones)
  const group = present.map((_, i) => i);
  const root = (i: number): number => (group[i] === i ? i : (group[i] = root(group[i])));
  const merge = (i: number, j: number): void => {
    group[root(i)] = root(j);
  };
  const keysOf = (p: { member: string; family: SpatialFamily }): string[] =>
    p.family.skypix ? [p.member] : elementDimensions(universe, p.member);
  for (const op of operands) {
    const opDims = new Set(universe.expand(op));
    for (let i = 0; i < present.length; i++)
      for (let j = i + 1; j < present.length; j++)
        if ([...keysOf(present[i]), ...keysOf(present[j])].every((d) => opDims.has(d))) merge(i, j);
  }
  const familyOf = (el: string): number => present.findIndex((p) => p.family.members.includes(el));
  for (const [x, y] of explicit) {
    const i = familyOf(x);
    const j = familyOf(y);
    if (i >= 0 && j >= 0) merge(i, j);
  }
  const sets = new Map<number, number[]>();
  present.forEach((_, i) => sets.set(root(i), [...(sets.get(root(i)) ?? []), i]));
  if (sets.size <= 1) return undefined;
  const names = [...sets.values()].map((s) => `{${s.map((i) => present[i].family.name).join(', ')}}`);
  if (sets.size > 2)
    throw new QueryError(
      'QUERY_SPATIAL_AMBIGUOUS',
      `Too many unrelated spatial families for an automatic spatial join: ${names.join(', ')} (as in daf_butler); query fewer of ${present.map((p) => p.member).join(', ')} at once.`,
    );
  const [s1, s2] = [...sets.values()];
  if (s1.length > 1 || s2.length > 1)
    throw new QueryError(
      'QUERY_SPATIAL_AMBIGUOUS',
      `A spatial join is needed between ${names.join(' and ')}, but which one is ambiguous.`,
    );
  const a = present[s1[0]];
  const b = present[s2[0]];
  return { a: endpoint(universe, a.family, a.member), b: endpoint(universe, b.family, b.member) };
}
