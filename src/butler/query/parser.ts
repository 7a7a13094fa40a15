/**
 * parseExpression: text -> typed AST. A hand-written recursive-descent parser: the grammar is
 * small and fixed, error messages need to say exactly what was expected where, and no npm parser
 * generator (peggy, chevrotain) fits better without adding a build step.
 *
 * Grammar (the Butler's precedence: OR < AND < NOT < comparison < IN < + - < * / % < unary):
 *   input      := expr? EOF
 *   expr       := and (OR and)*          (n-ary: one node per chain)
 *   and        := not (AND not)*
 *   not        := NOT not | comparison
 *   comparison := predicate (('=' | '!=' | '<' | '<=' | '>' | '>=') predicate)*
 *   predicate  := sum [NOT] IN '(' item (',' item)* ')' | sum
 *   sum        := product (('+' | '-') product)*
 *   product    := unary (('*' | '/' | '%') unary)*
 *   unary      := ('-' | '+') unary | primary
 *   primary    := NUMBER | STRING | TIME | IDENT | ':'BIND | '(' expr ')'
 *   item       := ['-' | '+'] NUMBER | STRING | TIME | RANGE | IDENT | ':'BIND
 */
import type { ArithOp, CompareOp, Expr, InItem } from './ast.js';
import { queryErrorAt } from './errors.js';
import { describeToken, type Token, tokenize } from './lexer.js';
import { parseTimeLiteral, TIME_FORMAT_HELP } from './time.js';

const MAX_DEPTH = 200;
const COMPARE_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);
const VALUE = "a value (number, 'string', T'time', dimension name or '(')";

/** The source text of every AST returned by parseExpression, for located error messages. */
const sources = new WeakMap<Expr, string>();

/** The text an AST was parsed from (undefined for an AST built by code). */
export function sourceOf(expr: Expr): string | undefined {
  return sources.get(expr);
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  private get tok(): Token {
    return this.tokens[this.i];
  }

  private fail(expected: string, t: Token = this.tok): never {
    throw queryErrorAt(
      'QUERY_SYNTAX',
      `Syntax error: expected ${expected}, found ${describeToken(t)}`,
      this.source,
      t.pos,
    );
  }

  private atEnd(): boolean {
    return this.tok.kind === 'eof';
  }

  /** Guards the recursion so a pathological input is a QueryError, not a stack overflow. */
  private enter(pos: number): void {
    if (++this.depth > MAX_DEPTH) {
      throw queryErrorAt(
        'QUERY_SYNTAX',
        `Syntax error: expression nested more than ${MAX_DEPTH} levels deep`,
        this.source,
        pos,
      );
    }
  }

  private isKeyword(word: string, t: Token = this.tok): boolean {
    return t.kind === 'keyword' && t.text === word;
  }

  private isOp(op: string, t: Token = this.tok): boolean {
    return t.kind === 'op' && t.text === op;
  }

  private expectOp(op: string, expected: string): void {
    if (!this.isOp(op)) this.fail(expected);
    this.i++;
  }

  parseInput(): Expr {
    if (this.tok.kind === 'eof') return { kind: 'empty', pos: 0 };
    const e = this.parseOr();
    if (!this.atEnd()) {
      this.fail(
        this.isOp(')')
          ? "the end of the expression (this ')' has no matching '(')"
          : 'AND, OR, an operator or the end of the expression',
      );
    }
    return e;
  }

  private parseOr(): Expr {
    return this.parseLogical('OR', () => this.parseAnd());
  }

  private parseAnd(): Expr {
    return this.parseLogical('AND', () => this.parseNot());
  }

  private parseLogical(word: 'AND' | 'OR', operand: () => Expr): Expr {
    const first = operand();
    if (!this.isKeyword(word)) return first;
    const pos = this.tok.pos;
    const operands = [first];
    while (this.isKeyword(word)) {
      this.i++;
      operands.push(operand());
    }
    return { kind: 'logical', op: word === 'AND' ? 'and' : 'or', operands, pos };
  }

  private parseNot(): Expr {
    if (this.isKeyword('NOT')) {
      const pos = this.tok.pos;
      this.i++;
      this.enter(pos);
      const operand = this.parseNot();
      this.depth--;
      return { kind: 'not', operand, pos };
    }
    return this.parseComparison();
  }

  private parseComparison(): Expr {
    const depth = this.depth;
    let left = this.parsePredicate();
    while (this.tok.kind === 'op' && COMPARE_OPS.has(this.tok.text)) {
      const { pos, text } = this.tok;
      this.i++;
      this.enter(pos);
      left = { kind: 'compare', op: text as CompareOp, left, right: this.parsePredicate(), pos };
    }
    this.depth = depth;
    if (this.isKeyword('OVERLAPS')) {
      throw queryErrorAt(
        'QUERY_UNSUPPORTED',
        'OVERLAPS (region and timespan overlap) is not supported by quanta yet',
        this.source,
        this.tok.pos,
      );
    }
    return left;
  }

  private parsePredicate(): Expr {
    const operand = this.parseSum();
    const negated = this.isKeyword('NOT') && this.isKeyword('IN', this.tokens[this.i + 1]);
    if (!negated && !this.isKeyword('IN')) {
      if (this.isKeyword('NOT'))
        this.fail("IN after NOT (as in 'visit NOT IN (1, 2)')", this.tokens[this.i + 1]);
      return operand;
    }
    const pos = this.tok.pos;
    this.i += negated ? 2 : 1;
    this.expectOp('(', "'(' after IN (as in 'visit IN (1, 2)')");
    const items: InItem[] = [this.parseItem()];
    while (this.isOp(',')) {
      this.i++;
      items.push(this.parseItem());
    }
    this.expectOp(')', "',' or ')' in the IN list");
    return { kind: 'in', negated, operand, items, pos };
  }

  private parseItem(): InItem {
    const t = this.tok;
    if (t.kind === 'range') {
      this.i++;
      const { start, stop, stride } = t.range!;
      for (const n of [start, stop, stride]) {
        if (!Number.isSafeInteger(n))
          throw queryErrorAt(
            'QUERY_SYNTAX',
            `Syntax error: range bound ${n} is too large`,
            this.source,
            t.pos,
          );
      }
      return { kind: 'range', start, stop, stride, pos: t.pos };
    }
    if ((this.isOp('-') || this.isOp('+')) && this.tokens[this.i + 1].kind === 'number') {
      this.i++;
      return this.numberLiteral(this.tok, t.text === '-' ? '-' : '', t.pos);
    }
    if (
      t.kind === 'number' ||
      t.kind === 'string' ||
      t.kind === 'time' ||
      t.kind === 'ident' ||
      t.kind === 'bind'
    ) {
      return this.parsePrimary() as InItem;
    }
    return this.fail(
      "a literal, a range 'a..b' or a name in the IN list (expressions are not allowed there)",
    );
  }

  // each chained binary operator nests the tree one level deeper, so it counts as depth
  private parseSum(): Expr {
    const depth = this.depth;
    let left = this.parseProduct();
    while (this.isOp('+') || this.isOp('-')) {
      const { pos, text } = this.tok;
      this.i++;
      this.enter(pos);
      left = { kind: 'arith', op: text as ArithOp, left, right: this.parseProduct(), pos };
    }
    this.depth = depth;
    return left;
  }

  private parseProduct(): Expr {
    const depth = this.depth;
    let left = this.parseUnary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const { pos, text } = this.tok;
      this.i++;
      this.enter(pos);
      left = { kind: 'arith', op: text as ArithOp, left, right: this.parseUnary(), pos };
    }
    this.depth = depth;
    return left;
  }

  private parseUnary(): Expr {
    const t = this.tok;
    if (this.isOp('-') || this.isOp('+')) {
      this.i++;
      // `-5` is a negative literal, as in the Butler's grammar; `-(x)` and `-visit` are unary
      if (this.tok.kind === 'number') return this.numberLiteral(this.tok, t.text === '-' ? '-' : '', t.pos);
      this.enter(t.pos);
      const operand = this.parseUnary();
      this.depth--;
      return { kind: 'unary', op: t.text as '-' | '+', operand, pos: t.pos };
    }
    return this.parsePrimary();
  }

  private numberLiteral(t: Token, sign: string, pos: number): Expr & InItem {
    this.i++;
    const text = sign + t.text;
    const value = Number(text);
    const isInt = /^-?\d+$/.test(text);
    if (!Number.isFinite(value) || (isInt && !Number.isSafeInteger(value))) {
      throw queryErrorAt('QUERY_SYNTAX', `Syntax error: number ${text} is out of range`, this.source, pos);
    }
    return { kind: 'number', value, text, isInt, pos };
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case 'number':
        return this.numberLiteral(t, '', t.pos);
      case 'string':
        this.i++;
        return { kind: 'string', value: t.text, pos: t.pos };
      case 'time': {
        this.i++;
        const ms = parseTimeLiteral(t.text);
        if (typeof ms === 'string') {
          throw queryErrorAt(
            'QUERY_SYNTAX',
            `Bad time literal: ${ms}; use ${TIME_FORMAT_HELP}`,
            this.source,
            t.pos,
          );
        }
        return { kind: 'time', text: t.text, ms, pos: t.pos };
      }
      case 'ident': {
        this.i++;
        const parts = t.text.split('.');
        if (parts.length > 3) {
          throw queryErrorAt(
            'QUERY_SYNTAX',
            `Syntax error: '${t.text}' has too many dots (at most 'dimension.field')`,
            this.source,
            t.pos,
          );
        }
        if (this.isOp('(')) {
          const what = `function calls such as ${t.text}(...) (the Butler's POINT(ra, dec))`;
          throw queryErrorAt(
            'QUERY_UNSUPPORTED',
            `${what} are not supported by quanta yet`,
            this.source,
            t.pos,
          );
        }
        return { kind: 'ident', parts, pos: t.pos };
      }
      case 'bind':
        this.i++;
        return { kind: 'bind', name: t.text, pos: t.pos };
      case 'range':
        return this.fail(`${VALUE}; a range '${t.text}' is only allowed inside IN (...)`);
      default:
        if (this.isOp('(')) {
          this.i++;
          this.enter(t.pos);
          const inner = this.parseOr();
          this.depth--;
          this.expectOp(')', "')' to close the '('");
          return inner;
        }
        return this.fail(VALUE);
    }
  }
}

/**
 * Parse a dataQuery expression (Butler user-expression syntax) into a typed AST. Blank text gives
 * `{kind: 'empty'}` (no constraint). Throws QueryError (code QUERY_SYNTAX) with the column and a
 * caret line on any syntax error; never anything else.
 */
export function parseExpression(text: string): Expr {
  const expr = new Parser(text, tokenize(text)).parseInput();
  sources.set(expr, text);
  return expr;
}
