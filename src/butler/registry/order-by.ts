/**
 * `orderBy` and `limit` of data-ID and dimension-record queries, as daf_butler's `order_by` and
 * `limit`: terms are names of the query language (`detector`, `visit.id`, `raft`,
 * `visit.timespan.begin`), `-` in front for descending, several in one string separated by
 * commas (`raft,-name_in_raft`). A term must name a dimension or a record field of an element
 * of the result's dimensions; anything else is a QueryError, as in daf_butler. Rows that tie on
 * every term keep the query's default order (its dimensions).
 */
import { QueryError } from '../../errors.js';
import type { Ident } from '../query/index.js';
import { ResolveFailure, resolveIdent } from '../query/resolve.js';
import type { DimensionUniverse } from '../universe.js';
import { q } from './db.js';
import type { JoinPlan } from './joins.js';

export interface OrderTerm {
  element: string;
  field: string;
  desc: boolean;
  /** the term as written, for messages */
  text: string;
}

export interface Ordering {
  /** undefined (or an empty list): the default order */
  orderBy?: string | string[];
  /** at most this many rows (daf_butler: a negative limit is no limit) */
  limit?: number;
}

function fail(message: string, key: string): never {
  throw new QueryError('QUERY_ORDER_BY', message, { key });
}

/** Resolve the terms against the result's dimensions (required + implied). */
export function parseOrderBy(
  universe: DimensionUniverse,
  orderBy: string | string[] | undefined,
  resultDims: string[],
): OrderTerm[] {
  const texts = (typeof orderBy === 'string' ? [orderBy] : (orderBy ?? []))
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  const dims = universe.expand(resultDims);
  return texts.map((text) => {
    const desc = text.startsWith('-');
    const name = desc ? text.slice(1).trim() : text;
    const ident: Ident = { kind: 'ident', parts: name.split('.'), pos: 0 };
    let ref;
    try {
      ref = resolveIdent({ universe, dimensions: dims }, ident, []);
    } catch (e) {
      if (!(e instanceof ResolveFailure)) throw e;
      fail(`Cannot order by "${text}": ${e.message.replace(/[.]?$/, '.')}`, text);
    }
    if (ref.element === undefined)
      fail(`Cannot order by "${text}": only dimensions and dimension record fields can order rows.`, text);
    if (ref.type === 'timespan' || ref.type === 'region')
      fail(
        `Cannot order by "${text}", a ${ref.type}; order by ${ref.type === 'timespan' ? `${name}.begin or ${name}.end` : 'another field'}.`,
        text,
      );
    const spec = universe.element(ref.element);
    const own = universe.required([...spec.requires, ...(spec.keys.length ? [ref.element] : [])]);
    const outside = own.filter((d) => !dims.includes(d));
    if (outside.length)
      fail(
        `Cannot order by "${text}": it needs ${outside.join(', ')}, which the result's dimensions (${dims.join(', ')}) do not have (as in daf_butler, order-by terms may use only the result's dimensions).`,
        text,
      );
    return { element: ref.element, field: ref.field, desc, text };
  });
}

/** The elements whose tables the terms read. */
export function orderElements(terms: OrderTerm[]): string[] {
  return terms.map((t) => t.element);
}

/** `expr AS "__order_i"` select items and the ORDER BY items that sort on them. */
export function orderSql(
  terms: OrderTerm[],
  plan: JoinPlan,
): { columns: string[]; orderBy: string[]; aliases: string[] } {
  const aliases = terms.map((_, i) => `__order_${i}`);
  return {
    aliases,
    columns: terms.map((t, i) => `${plan.column(t.element, t.field)} AS ${q(aliases[i])}`),
    orderBy: terms.map((t, i) => `${q(aliases[i])}${t.desc ? ' DESC' : ''}`),
  };
}

/** Checked limit: undefined for none. */
export function checkLimit(limit: number | undefined): number | undefined {
  if (limit === undefined || limit < 0) return undefined;
  if (!Number.isInteger(limit))
    throw new QueryError('QUERY_LIMIT', `A query limit must be an integer, not ${limit}.`, {
      key: 'limit',
    });
  return limit;
}
