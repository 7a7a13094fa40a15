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
}

const fieldSchema = z.object({
  name: z.string(),
  type: z.enum(['int', 'float', 'string', 'datetime', 'region', 'bool']),
  length: z.number().int().optional(),
});

const universeSchema = z.object({
  version: z.number().int(),
  namespace: z.string(),
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

  constructor(version: number, namespace: string, elements: ElementSpec[]) {
    this.version = version;
    this.namespace = namespace;
    this.elements = new Map(elements.map((e) => [e.name, e]));
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

export function loadUniverse(path = new URL('./universe.yaml', import.meta.url)): DimensionUniverse {
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
  return new DimensionUniverse(raw.version, raw.namespace, elements);
}

let defaultUniverse: DimensionUniverse | undefined;

/** The universe shipped with quanta (cached). */
export function getUniverse(): DimensionUniverse {
  defaultUniverse ??= loadUniverse();
  return defaultUniverse;
}
