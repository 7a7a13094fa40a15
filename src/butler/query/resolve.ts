/**
 * Name resolution against the dimension universe, following the registry's table convention: a
 * dimension name means its primary key (`visit` -> visit.id, `instrument` -> instrument.name);
 * `element.field` is a key, metadata field, or required/implied dimension of that element
 * (`visit.day_obs`, `visit.physical_filter`); `element.timespan.begin|end` is the Butler spelling
 * of the timespan_begin/timespan_end fields.
 */
import type { DimensionUniverse, FieldType } from '../universe.js';
import { didYouMean } from '../../util/levenshtein.js';
import type { Ident } from './ast.js';

export interface ColumnRef {
  element: string;
  field: string;
  type: FieldType;
}

/** The failure of a resolution: a message for the user (the caller adds the location). */
export class ResolveFailure {
  constructor(readonly message: string) {}
}

function hint(word: string, candidates: string[]): string {
  const guess = didYouMean(word, candidates);
  return guess ? `; did you mean '${guess}'?` : '.';
}

/** Fields addressable as `element.field`, with their types. */
export function elementFields(universe: DimensionUniverse, element: string): Map<string, FieldType> {
  const e = universe.element(element);
  const out = new Map<string, FieldType>();
  for (const f of universe.fields(element)) out.set(f.name, f.type);
  for (const d of [...e.requires, ...e.implies]) out.set(d, universe.primaryKey(d).type);
  return out;
}

function resolveField(universe: DimensionUniverse, element: string, field: string, shown: string): ColumnRef {
  const fields = elementFields(universe, element);
  const type = fields.get(field);
  if (type === undefined) {
    const names = [...fields.keys()];
    const timespan = fields.has('timespan_begin') ? ' (and timespan.begin, timespan.end)' : '';
    throw new ResolveFailure(
      `Unknown field '${shown}' of '${element}'${hint(field, names)} Fields of ${element}: ${names.join(', ')}${timespan}`,
    );
  }
  return { element, field, type };
}

/** Resolve a (non-bind) identifier to a column, or throw ResolveFailure. */
export function resolveIdent(universe: DimensionUniverse, ident: Ident, bindNames: string[]): ColumnRef {
  const [head, ...rest] = ident.parts;
  const dims = universe.dimensionNames;
  if (!universe.elements.has(head)) {
    const known = [...dims, ...bindNames];
    const what = rest.length === 0 ? 'dimension or bind parameter' : 'dimension';
    throw new ResolveFailure(
      `Unknown ${what} '${head}'${hint(head, rest.length === 0 ? known : [...universe.elements.keys()])} ` +
        `Known dimensions: ${dims.join(', ')}${bindNames.length ? `; bind parameters: ${bindNames.join(', ')}` : ''}`,
    );
  }
  if (rest.length === 0) {
    if (!universe.isDimension(head)) {
      const fields = [...elementFields(universe, head).keys()].map((f) => `${head}.${f}`);
      throw new ResolveFailure(
        `'${head}' is a join element without a value of its own; use one of ${fields.join(', ')}`,
      );
    }
    const pk = universe.primaryKey(head);
    return { element: head, field: pk.name, type: pk.type };
  }
  if (rest.length === 2) {
    const [group, edge] = rest;
    if (group !== 'timespan' || (edge !== 'begin' && edge !== 'end')) {
      throw new ResolveFailure(
        `Unknown field '${rest.join('.')}' of '${head}'; the only three-part names are ${head}.timespan.begin and ${head}.timespan.end`,
      );
    }
    return resolveField(universe, head, `timespan_${edge}`, rest.join('.'));
  }
  if (rest[0] === 'timespan' && elementFields(universe, head).has('timespan_begin')) {
    throw new ResolveFailure(
      `'${head}.timespan' is a time range; compare ${head}.timespan.begin or ${head}.timespan.end instead`,
    );
  }
  return resolveField(universe, head, rest[0], rest[0]);
}
