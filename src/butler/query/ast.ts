/**
 * The typed AST of a dataQuery expression (the Butler's user-expression language) and a printer
 * that turns an AST back into text that parses to the same tree (the round-trip the property
 * tests check). Every node carries `pos`, its 0-based offset in the source, for error messages.
 */

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'overlaps';
export type ArithOp = '+' | '-' | '*' | '/' | '%';

/** No expression at all (blank input): no constraint, as in the Butler. */
export interface EmptyExpr {
  kind: 'empty';
  pos: number;
}

/** `a AND b AND c`: n-ary (two or more operands), so long generated chains stay shallow. */
export interface LogicalExpr {
  kind: 'logical';
  op: 'and' | 'or';
  operands: Expr[];
  pos: number;
}

export interface NotExpr {
  kind: 'not';
  operand: Expr;
  pos: number;
}

export interface CompareExpr {
  kind: 'compare';
  op: CompareOp;
  left: Expr;
  right: Expr;
  pos: number;
}

export interface InExpr {
  kind: 'in';
  negated: boolean;
  operand: Expr;
  items: InItem[];
  pos: number;
}

export interface ArithExpr {
  kind: 'arith';
  op: ArithOp;
  left: Expr;
  right: Expr;
  pos: number;
}

export interface UnaryExpr {
  kind: 'unary';
  op: '-' | '+';
  operand: Expr;
  pos: number;
}

/** A numeric literal; `text` is kept so printing never changes the digits the user wrote. */
export interface NumberLit {
  kind: 'number';
  value: number;
  text: string;
  isInt: boolean;
  pos: number;
}

export interface StringLit {
  kind: 'string';
  value: string;
  pos: number;
}

/** `T'...'`: `text` is what was inside the quotes, `ms` the instant it names (Unix ms, UTC). */
export interface TimeLit {
  kind: 'time';
  text: string;
  ms: number;
  pos: number;
}

/** `dimension`, `dimension.field` or `dimension.timespan.begin`; a bare name may be a bind name. */
export interface Ident {
  kind: 'ident';
  parts: string[];
  pos: number;
}

/** `:name`, the explicit bind-parameter form (a bare name found in `bind` is also one). */
export interface BindRef {
  kind: 'bind';
  name: string;
  pos: number;
}

/**
 * `start..stop[:stride]`, inclusive at both ends. The grammar takes it wherever a literal goes
 * (as the Butler's does); the checker allows it only as an item of `IN (...)`.
 */
export interface RangeLit {
  kind: 'range';
  start: number;
  stop: number;
  stride: number;
  pos: number;
}

/** `UUID('...')`: `value` is the canonical lower-case form. */
export interface UuidLit {
  kind: 'uuid';
  value: string;
  pos: number;
}

/** `(a, b)`: a timespan from two times (or NULL for an unbounded end). */
export interface TupleExpr {
  kind: 'tuple';
  items: [Expr, Expr];
  pos: number;
}

/**
 * `NAME(args)`. `name` is upper case for the functions the language knows (POINT, CIRCLE, BOX,
 * POLYGON, REGION, GLOB; their arguments are checked by the parser, as the Butler's does) and as
 * written for any other (which the checker rejects).
 */
export interface CallExpr {
  kind: 'call';
  name: string;
  args: Expr[];
  pos: number;
}

export type Literal = NumberLit | StringLit | TimeLit | RangeLit | UuidLit;
export type InItem = Literal | Ident | BindRef;
export type Expr =
  | EmptyExpr
  | LogicalExpr
  | NotExpr
  | CompareExpr
  | InExpr
  | ArithExpr
  | UnaryExpr
  | TupleExpr
  | CallExpr
  | Literal
  | Ident
  | BindRef;

// the language has no way to write a quote inside a string (as in the Butler's)
function quote(s: string): string {
  return `'${s}'`;
}

const ATOMS = new Set<Expr['kind']>([
  'number',
  'string',
  'time',
  'ident',
  'bind',
  'range',
  'uuid',
  'call',
  'tuple',
]);

function wrap(e: Expr): string {
  return ATOMS.has(e.kind) ? printExpression(e) : `(${printExpression(e)})`;
}

/**
 * Text for an AST. Every compound operand is parenthesised, so the printed text parses to
 * exactly the same tree whatever the precedence rules.
 */
export function printExpression(e: Expr): string {
  switch (e.kind) {
    case 'empty':
      return '';
    case 'logical':
      return e.operands.map(wrap).join(` ${e.op.toUpperCase()} `);
    case 'not':
      return `NOT ${wrap(e.operand)}`;
    case 'compare':
      return `${wrap(e.left)} ${e.op === 'overlaps' ? 'OVERLAPS' : e.op} ${wrap(e.right)}`;
    case 'arith':
      return `${wrap(e.left)} ${e.op} ${wrap(e.right)}`;
    case 'in':
      return `${wrap(e.operand)} ${e.negated ? 'NOT IN' : 'IN'} (${e.items.map(printExpression).join(', ')})`;
    case 'unary':
      return `${e.op}(${printExpression(e.operand)})`;
    case 'number':
      // operators print with spaces around them, so `a - -5` never reads as `a--5`
      return e.text;
    case 'range':
      return `${e.start}..${e.stop}${e.stride === 1 ? '' : `:${e.stride}`}`;
    case 'uuid':
      return `UUID('${e.value}')`;
    case 'tuple':
      return `(${printExpression(e.items[0])}, ${printExpression(e.items[1])})`;
    case 'call':
      return `${e.name}(${e.args.map(printExpression).join(', ')})`;
    case 'string':
      return quote(e.value);
    case 'time':
      return `T${quote(e.text)}`;
    case 'ident':
      return e.parts.join('.');
    case 'bind':
      return `:${e.name}`;
  }
}
