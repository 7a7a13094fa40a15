/**
 * The dimension universe: elements, their keys, relations and metadata fields, loaded from
 * universe.yaml (shipped with quanta). Pure data; the registry and the query language both use it.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

export type FieldType = 'int' | 'float' | 'string' | 'datetime' | 'region' | 'bool';

export interface FieldSpec {
  name: string;
  type: FieldType;
  length?: number;
}

export interface ElementSpec {
  name: string;
  doc: string;
  /** dimensions whose values are part of this element's primary key */
  requires: string[];
  /** dimensions whose values are determined by this element's record */
  implies: string[];
  /** first key is the primary key; others are alternate unique keys (e.g. visit.name) */
  keys: FieldSpec[];
  metadata: FieldSpec[];
  /** a join element (no keys of its own), e.g. visit_definition */
  alwaysJoin: boolean;
  /** set for skypix dimensions (htm7, healpix11): the pixelization and level of the pixel id */
  skypix?: { system: string; level: number };
}

const fieldSchema = z.object({
  name: z.string(),
  type: z.enum(['int', 'float', 'string', 'datetime', 'region', 'bool']),
  length: z.number().int().optional(),
});

const skypixSchema = z.object({
  common: z.string(),
  systems: z.record(
    z.string(),
    z.object({ min_level: z.number().int().default(1), max_level: z.number().int() }),
  ),
});

const universeSchema = z.object({
  version: z.number().int(),
  namespace: z.string(),
  skypix: skypixSchema.optional(),
  elements: z.record(
    z.string(),
    z.object({
      doc: z.string().default(''),
      requires: z.array(z.string()).default([]),
      implies: z.array(z.string()).default([]),
      keys: z.array(fieldSchema).default([]),
      metadata: z.array(fieldSchema).default([]),
      always_join: z.boolean().default(false),
    }),
  ),
});

export class DimensionUniverse {
  readonly version: number;
  readonly namespace: string;
  readonly elements: ReadonlyMap<string, ElementSpec>;
  /** The skypix dimension that relates all other spatial elements (daf_butler: htm7). */
  readonly commonSkyPix: string | undefined;

  constructor(version: number, namespace: string, elements: ElementSpec[], commonSkyPix?: string) {
    this.version = version;
    this.namespace = namespace;
    this.elements = new Map(elements.map((e) => [e.name, e]));
    this.commonSkyPix = commonSkyPix;
  }

  /** The skypix dimensions (htm1..htm24, healpix1..healpix17), in universe order. */
  get skyPixDimensions(): string[] {
    return [...this.elements.values()].filter((e) => e.skypix).map((e) => e.name);
  }

  isSkyPix(name: string): boolean {
    return this.elements.get(name)?.skypix !== undefined;
  }

  /** Dimensions are the elements with a primary key (they can appear in a data ID). */
  get dimensionNames(): string[] {
    return [...this.elements.values()].filter((e) => e.keys.length > 0).map((e) => e.name);
  }

  isDimension(name: string): boolean {
    const e = this.elements.get(name);
    return e !== undefined && e.keys.length > 0;
  }

  element(name: string): ElementSpec {
    const e = this.elements.get(name);
    if (!e) throw new Error(`unknown dimension element ${name}`);
    return e;
  }

  /** Primary key field of a dimension (`visit` -> `id`, `instrument` -> `name`). */
  primaryKey(name: string): FieldSpec {
    return this.element(name).keys[0];
  }

  /** All fields of an element addressable as `element.field` in queries. */
  fields(name: string): FieldSpec[] {
    const e = this.element(name);
    return [...e.keys, ...e.metadata];
  }

  /**
   * The closure of `dims` over required and implied dimensions, in universe order
   * (e.g. [visit] -> [instrument, band, physical_filter, day_obs, visit]).
   */
  expand(dims: Iterable<string>): string[] {
    const seen = new Set<string>();
    const visit = (d: string): void => {
      if (seen.has(d)) return;
      const e = this.element(d);
      seen.add(d);
      for (const r of e.requires) visit(r);
      for (const i of e.implies) visit(i);
    };
    for (const d of dims) visit(d);
    return this.sortDimensions(seen);
  }

  /** The dimensions required to identify `dims` (closure over `requires` only). */
  required(dims: Iterable<string>): string[] {
    const seen = new Set<string>();
    const visit = (d: string): void => {
      if (seen.has(d)) return;
      seen.add(d);
      for (const r of this.element(d).requires) visit(r);
    };
    for (const d of dims) visit(d);
    return this.sortDimensions(seen);
  }

  /** Sort into a topological order in which every element follows what it requires/implies. */
  sortDimensions(dims: Iterable<string>): string[] {
    const want = new Set(dims);
    const order = this.topologicalOrder();
    return order.filter((d) => want.has(d));
  }

  private topoCache?: string[];

  topologicalOrder(): string[] {
    if (this.topoCache) return this.topoCache;
    const out: string[] = [];
    const state = new Map<string, number>();
    const visit = (d: string): void => {
      if (state.get(d) === 2) return;
      if (state.get(d) === 1) throw new Error(`cycle in universe at ${d}`);
      state.set(d, 1);
      const e = this.element(d);
      for (const r of [...e.requires, ...e.implies]) visit(r);
      state.set(d, 2);
      out.push(d);
    };
    for (const name of this.elements.keys()) visit(name);
    this.topoCache = out;
    return out;
  }

  /** SQL table of an element. */
  static tableName(element: string): string {
    return `dim_${element}`;
  }
}

export function loadUniverse(
  path: URL | string = new URL('./universe.yaml', import.meta.url),
): DimensionUniverse {
  const raw = universeSchema.parse(parse(readFileSync(path, 'utf8')));
  const elements: ElementSpec[] = Object.entries(raw.elements).map(([name, e]) => ({
    name,
    doc: e.doc,
    requires: e.requires,
    implies: e.implies,
    keys: e.keys,
    metadata: e.metadata,
    alwaysJoin: e.always_join,
  }));
  for (const [system, levels] of Object.entries(raw.skypix?.systems ?? {}))
    for (let level = levels.min_level; level <= levels.max_level; level++)
      elements.push(skyPixElement(system, level));
  return new DimensionUniverse(raw.version, raw.namespace, elements, raw.skypix?.common);
}

/** A skypix dimension as daf_butler defines one: no table of its own there, an integer id per pixel. */
function skyPixElement(system: string, level: number): ElementSpec {
  return {
    name: `${system}${level}`,
    doc: `Pixels of the ${system} sky pixelization at level ${level}.`,
    requires: [],
    implies: [],
    keys: [{ name: 'id', type: 'int' }],
    metadata: [],
    alwaysJoin: false,
    skypix: { system, level },
  };
}

let defaultUniverse: DimensionUniverse | undefined;

/** The universe shipped with quanta (cached). */
export function getUniverse(): DimensionUniverse {
  defaultUniverse ??= loadUniverse();
  return defaultUniverse;
}
