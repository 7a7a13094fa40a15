/**
 * Function calls of the language, checked when parsed, with the Butler's rules: POINT(ra, dec),
 * CIRCLE(ra, dec, radius), BOX(ra, dec, width, height), POLYGON(ra1, dec1, ...), REGION('pos'),
 * GLOB(column, pattern) and UUID('...'). Names are case-insensitive; any other name parses as a
 * generic call, which the checker rejects (as the Butler's converter does).
 */
import type { Expr } from './ast.js';

/** The failure of a call's argument check: the message for the user. */
export class CallFailure {
  constructor(readonly message: string) {}
}

/** Argument kinds the Butler takes for region coordinates: numbers, names, operators (no parens). */
const NUMERIC_ARG = new Set<Expr['kind']>([
  'number',
  'bind',
  'ident',
  'arith',
  'unary',
  'compare',
  'logical',
  'not',
]);

const UUID_HEX = /^[0-9a-f]{32}$/i;

/** Canonical text of a UUID string, as Python's uuid.UUID reads it, or undefined. */
export function canonicalUuid(text: string): string | undefined {
  let hex = text.replace(/urn:/g, '').replace(/uuid:/g, '');
  hex = hex.replace(/^[{}]+|[{}]+$/g, '').replace(/-/g, '');
  if (!UUID_HEX.test(hex)) return undefined;
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function numericArgs(name: string, args: Expr[], names: string[], parenthesised: Set<Expr>): void {
  args.forEach((a, i) => {
    if (!NUMERIC_ARG.has(a.kind) || parenthesised.has(a)) {
      throw new CallFailure(
        `${name} ${names[i] ?? 'argument'} argument must be a number, a numeric expression or a bind value`,
      );
    }
  });
}

/**
 * The node for `name(args)` (a `call`, or a `uuid` literal), or a CallFailure. `parenthesised`
 * holds the arguments that were written in parentheses, which the Butler's checks see as such.
 */
export function makeCall(name: string, args: Expr[], pos: number, parenthesised: Set<Expr>): Expr {
  const upper = name.toUpperCase();
  const arity = (n: number, what: string): void => {
    if (args.length !== n) throw new CallFailure(`${upper} requires ${what}`);
  };
  switch (upper) {
    case 'POINT':
      arity(2, 'two arguments (ra, dec)');
      break;
    case 'CIRCLE':
      arity(3, 'three arguments (ra, dec, radius)');
      numericArgs(upper, args, ['ra', 'dec', 'radius'], parenthesised);
      break;
    case 'BOX':
      arity(4, 'four arguments (ra, dec, width, height)');
      numericArgs(upper, args, ['ra', 'dec', 'width', 'height'], parenthesised);
      break;
    case 'POLYGON':
      if (args.length % 2 !== 0) throw new CallFailure('POLYGON requires an even number of arguments');
      if (args.length < 6) throw new CallFailure('POLYGON requires at least three vertices');
      numericArgs(upper, args, [], parenthesised);
      break;
    case 'REGION': {
      arity(1, "a single string argument (an IVOA POS string such as 'CIRCLE 10 20 0.5')");
      const a = args[0];
      if (parenthesised.has(a) || !['string', 'bind', 'ident'].includes(a.kind))
        throw new CallFailure('REGION argument must be a string or a bind value');
      break;
    }
    case 'GLOB': {
      arity(2, 'two arguments (expression, pattern)');
      if (args[0].kind !== 'ident') throw new CallFailure('GLOB() first argument must be an identifier');
      if (args[1].kind !== 'string' && args[1].kind !== 'bind')
        throw new CallFailure('GLOB() second argument must be a string or a bind name (:name)');
      break;
    }
    case 'UUID': {
      arity(1, "a single argument (a UUID string, UUID('...'))");
      const a = args[0];
      if (a.kind !== 'string') throw new CallFailure('UUID() argument must be a string literal');
      const value = canonicalUuid(a.value);
      if (value === undefined) throw new CallFailure(`UUID() argument '${a.value}' is not a UUID`);
      return { kind: 'uuid', value, pos };
    }
    default:
      return { kind: 'call', name, args, pos };
  }
  return { kind: 'call', name: upper, args, pos };
}
