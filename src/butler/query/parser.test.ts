import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QueryError } from '../../errors.js';
import { getUniverse } from '../universe.js';
import type { Expr, InItem } from './ast.js';
import { checkExpression, compileWhere, parseExpression, printExpression } from './index.js';
import { KEYWORDS } from './lexer.js';

/** The tree without source offsets, for comparing ASTs. */
function strip(e: unknown): unknown {
  if (Array.isArray(e)) return e.map(strip);
  if (e && typeof e === 'object') {
    return Object.fromEntries(
      Object.entries(e)
        .filter(([k]) => k !== 'pos')
        .map(([k, v]) => [k, strip(v)]),
    );
  }
  return e;
}

const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/).filter((s) => !KEYWORDS.has(s.toUpperCase()));
const int = fc
  .integer({ min: -1e9, max: 1e9 })
  .map((n) => ({ kind: 'number', value: n, text: String(n), isInt: true, pos: 0 }) as const);
const float = fc
  .double({ noNaN: true, noDefaultInfinity: true })
  .filter((x) => !Object.is(x, -0))
  .map((x) => {
    const text = String(x);
    return { kind: 'number', value: x, text, isInt: /^-?\d+$/.test(text), pos: 0 } as const;
  })
  .filter((n) => !n.isInt || Number.isSafeInteger(n.value));
const str = fc
  .string({ maxLength: 12 })
  .filter((s) => !s.includes('\n') && !s.includes("'"))
  .map((value) => ({ kind: 'string', value, pos: 0 }) as const);
const time = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => ({ kind: 'time', text: d.toISOString().slice(0, -1), ms: d.getTime(), pos: 0 }) as const);
const uuid = fc.uuid().map((value) => ({ kind: 'uuid', value, pos: 0 }) as const);
const ident = fc
  .array(name, { minLength: 1, maxLength: 3 })
  .map((parts) => ({ kind: 'ident', parts, pos: 0 }) as const);
const bind = name.map((n) => ({ kind: 'bind', name: n, pos: 0 }) as const);
const range = fc
  .tuple(
    fc.integer({ min: -1000, max: 1000 }),
    fc.integer({ min: -1000, max: 1000 }),
    fc.integer({ min: 1, max: 50 }),
  )
  .map(([start, stop, stride]) => ({ kind: 'range', start, stop, stride, pos: 0 }) as const);
const simpleIdent = name.map((n) => ({ kind: 'ident', parts: [n], pos: 0 }) as const);
const atom: fc.Arbitrary<Expr> = fc.oneof(int, float, str, time, ident, bind, range, uuid);
const item = fc.oneof(int, float, str, time, simpleIdent, bind, range, uuid) as fc.Arbitrary<InItem>;

const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.record({
      kind: fc.constant('logical'),
      op: fc.constantFrom('and', 'or'),
      operands: fc.array(tie('expr'), { minLength: 2, maxLength: 3 }),
      pos: fc.constant(0),
    }),
    fc.record({ kind: fc.constant('not'), operand: tie('expr'), pos: fc.constant(0) }),
    fc.record({
      kind: fc.constant('compare'),
      op: fc.constantFrom('=', '!=', '<', '<=', '>', '>=', 'overlaps'),
      left: tie('expr'),
      right: tie('expr'),
      pos: fc.constant(0),
    }),
    fc.record({
      kind: fc.constant('arith'),
      op: fc.constantFrom('+', '-', '*', '/', '%'),
      left: tie('expr'),
      right: tie('expr'),
      pos: fc.constant(0),
    }),
    fc.record({
      kind: fc.constant('unary'),
      op: fc.constantFrom('-', '+'),
      operand: tie('expr'),
      pos: fc.constant(0),
    }),
    fc.record({
      kind: fc.constant('tuple'),
      items: fc.tuple(tie('expr'), tie('expr')),
      pos: fc.constant(0),
    }),
    fc.record({
      kind: fc.constant('call'),
      name: fc.constantFrom('POINT', 'myfunc'),
      args: fc.array(tie('expr'), { minLength: 2, maxLength: 2 }),
      pos: fc.constant(0),
    }),
    fc.record({
      kind: fc.constant('in'),
      negated: fc.boolean(),
      operand: tie('expr'),
      items: fc.array(item, { minLength: 1, maxLength: 4 }),
      pos: fc.constant(0),
    }),
  ) as fc.Arbitrary<Expr>,
}));

/** Snippets that make random input reach deep into the grammar, not just the lexer. */
const piece = fc.constantFrom(
  'visit',
  'band',
  'visit.day_obs',
  'visit.timespan.begin',
  'x.y.z.w',
  ' ',
  ' ',
  '=',
  '!=',
  '<',
  '>=',
  '==',
  '<>',
  "'",
  "'g'",
  'T',
  "T'",
  "T'2021-12-13'",
  "T'59000.5'",
  "T'bad'",
  '(',
  ')',
  ',',
  '..',
  '1..5',
  '3..1:2',
  ':',
  ':ids',
  '1',
  '-',
  '+',
  '*',
  '/',
  '%',
  '2.5',
  '1e3',
  '99999999999999999999',
  'and',
  'OR',
  'Not',
  'in',
  'IN',
  'overlaps',
  '\n',
  '\t',
  '$',
  'é',
);

describe('parseExpression', () => {
  it('parses the printed text of any AST back to the same AST', () => {
    fc.assert(
      fc.property(expr, (e) => {
        const text = printExpression(e);
        expect(strip(parseExpression(text))).toEqual(strip(e));
      }),
      { numRuns: 500 },
    );
  });

  it('throws nothing but QueryError on random text, and checking/compiling what parses does the same', () => {
    const universe = getUniverse();
    const column = (el: string, f: string): string => `"dim_${el}"."${f}"`;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.array(piece, { maxLength: 25 }).map((p) => p.join('')),
        ),
        (text) => {
          try {
            const e = parseExpression(text);
            checkExpression(e, universe, { bind: { ids: [1, 2] } });
            compileWhere(e, { universe, dialect: 'postgres', bind: { ids: [1, 2] }, column });
          } catch (err) {
            if (!(err instanceof QueryError)) throw err;
            expect(err.location.column).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('turns pathological nesting into a QueryError, not a stack overflow', () => {
    expect(() => parseExpression('('.repeat(5000) + 'visit = 1' + ')'.repeat(5000))).toThrow(
      /nested more than 200 levels/,
    );
    expect(() => parseExpression('NOT '.repeat(5000) + 'visit = 1')).toThrow(QueryError);
  });

  it('reads keywords in any case and gives AND precedence over OR, NOT over AND', () => {
    const e = parseExpression("NOT visit = 1 And band = 'g' oR detector iN (1..3)");
    expect(printExpression(e)).toBe("((NOT (visit = 1)) AND (band = 'g')) OR (detector IN (1..3))");
  });

  it('reads OVERLAPS, (begin, end) tuples, function calls and ranges as the Butler does', () => {
    expect(parseExpression("visit.timespan OVERLAPS (T'2021-12-13', NULL)")).toMatchObject({
      kind: 'compare',
      op: 'overlaps',
      right: { kind: 'tuple', items: [{ kind: 'time' }, { kind: 'ident', parts: ['NULL'] }] },
    });
    expect(parseExpression('circle(1, -2, :r)')).toMatchObject({ kind: 'call', name: 'CIRCLE' });
    expect(parseExpression("uuid('{12345678-1234-5678-1234-56781234567A}')")).toMatchObject({
      kind: 'uuid',
      value: '12345678-1234-5678-1234-56781234567a',
    });
    expect(parseExpression('visit = 1..5')).toMatchObject({ right: { kind: 'range', start: 1, stop: 5 } });
    expect(parseExpression('f()')).toMatchObject({ kind: 'call', name: 'f', args: [] });
    expect(() => parseExpression('(a, b, c)')).toThrow(/exactly two items/);
    expect(() => parseExpression('CIRCLE(1, 2, (3))')).toThrow(/radius argument/);
    expect(() => parseExpression('POLYGON(1, 2, 3, 4)')).toThrow(/at least three vertices/);
    expect(() => parseExpression('x IN (a.b)')).toThrow(/name without dots/);
    expect(() => parseExpression("x IN (GLOB(a, 'b'))")).toThrow(/not allowed in an IN list/);
    expect(() => parseExpression('a = 1\r')).toThrow(/unexpected character/);
  });

  it('applies arithmetic precedence and reads -5 as a negative literal', () => {
    expect(printExpression(parseExpression('visit - 2 * 3 % 4 + -5 = 1'))).toBe(
      '((visit - ((2 * 3) % 4)) + -5) = 1',
    );
    expect(parseExpression('-5')).toMatchObject({ kind: 'number', value: -5, isInt: true });
    expect(parseExpression('-visit')).toMatchObject({ kind: 'unary', op: '-' });
  });

  it('reads strings up to the next quote (no escapes), ranges with spaces, and :name binds', () => {
    expect(parseExpression("x = 'it\\s'")).toMatchObject({ right: { kind: 'string', value: 'it\\s' } });
    expect(() => parseExpression("x = 'it''s'")).toThrow(/expected AND, OR/);
    expect(parseExpression('x in (1 .. 10 : 3)')).toMatchObject({
      items: [{ kind: 'range', start: 1, stop: 10, stride: 3 }],
    });
    expect(parseExpression('x = :v')).toMatchObject({ right: { kind: 'bind', name: 'v' } });
  });

  it('gives blank text as the empty expression', () => {
    expect(parseExpression('  \n ')).toMatchObject({ kind: 'empty' });
  });

  it('names the line and column of errors in multi-line expressions', () => {
    try {
      parseExpression("instrument = 'X'\n  and visit = = 3");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(QueryError);
      expect((e as QueryError).message).toMatch(/at line 2, column 15 .*\n {2}and visit = = 3\n {14}\^$/);
      expect((e as QueryError).location).toMatchObject({ line: 2, column: 15 });
    }
  });
});
