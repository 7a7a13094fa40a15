/**
 * The typed AST of a dataQuery expression (the Butler's user-expression language) and a printer
 * that turns an AST back into text that parses to the same tree (the round-trip the property
 * tests check). Every node carries `pos`, its 0-based offset in the source, for error messages.
 */

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
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

/** `start..stop[:stride]`, inclusive at both ends; only inside `in (...)`. */
export interface RangeLit {
  kind: 'range';
  start: number;
  stop: number;
  stride: number;
  pos: number;
}

export type Literal = NumberLit | StringLit | TimeLit;
export type InItem = Literal | Ident | BindRef | RangeLit;
export type Expr =
  | EmptyExpr
  | LogicalExpr
  | NotExpr
  | CompareExpr
  | InExpr
  | ArithExpr
  | UnaryExpr
  | Literal
  | Ident
  | BindRef;

function quote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function printItem(item: InItem): string {
  if (item.kind === 'range') {
    const base = `${item.start}..${item.stop}`;
    return item.stride === 1 ? base : `${base}:${item.stride}`;
  }
  return printExpression(item);
}

const ATOMS = new Set<Expr['kind']>(['number', 'string', 'time', 'ident', 'bind']);

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
    case 'arith':
      return `${wrap(e.left)} ${e.op} ${wrap(e.right)}`;
    case 'in':
      return `${wrap(e.operand)} ${e.negated ? 'NOT IN' : 'IN'} (${e.items.map(printItem).join(', ')})`;
    case 'unary':
      return `${e.op}(${printExpression(e.operand)})`;
    case 'number':
      return e.text;
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
