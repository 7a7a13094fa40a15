/**
 * parseExpression: text -> typed AST. A hand-written recursive-descent parser: the grammar is
 * small and fixed, error messages need to say exactly what was expected where, and no npm parser
 * generator (peggy, chevrotain) fits better without adding a build step.
 *
 * Grammar: the Butler's (daf_butler's parserYacc.py), with its precedence
 * OR < AND < NOT < comparison/OVERLAPS < IN < + - < * / % < unary:
 *   input      := expr? EOF
 *   expr       := and (OR and)*          (n-ary: one node per chain)
 *   and        := not (AND not)*
 *   not        := NOT not | comparison
 *   comparison := predicate (('=' | '!=' | '<' | '<=' | '>' | '>=' | OVERLAPS) predicate)*
 *   predicate  := sum [NOT] IN '(' item (',' item)* ')' | sum
 *   sum        := product (('+' | '-') product)*
 *   product    := unary (('*' | '/' | '%') unary)*
 *   unary      := ('-' | '+') unary | primary
 *   primary    := literal | IDENT | ':'BIND | NAME '(' [expr (',' expr)*] ')'
 *               | '(' expr ')' | '(' expr ',' expr ')'
 *   literal    := NUMBER | STRING | TIME | RANGE
 *   item       := ['-' | '+'] NUMBER | STRING | TIME | RANGE | NAME | ':'BIND | UUID '(' STRING ')'
 * NAME is an identifier without dots. Ranges parse wherever a literal does; the checker allows
 * them only in IN lists (as the Butler's converter does).
 */
import type { ArithOp, CompareOp, Expr, InItem } from './ast.js';
import { queryErrorAt } from './errors.js';
import { CallFailure, makeCall } from './functions.js';
import { describeToken, type Token, tokenize } from './lexer.js';
import { parseTimeLiteral, TIME_FORMAT_HELP } from './time.js';

const MAX_DEPTH = 200;
const COMPARE_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);
const ITEM_KINDS = new Set(['number', 'string', 'time', 'range', 'ident', 'bind']);
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
  /** nodes written in parentheses (function argument checks need to know) */
  private readonly parenthesised = new Set<Expr>();
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
    while ((this.tok.kind === 'op' && COMPARE_OPS.has(this.tok.text)) || this.isKeyword('OVERLAPS')) {
      const { pos, text } = this.tok;
      const op = (this.tok.kind === 'keyword' ? 'overlaps' : text) as CompareOp;
      this.i++;
      this.enter(pos);
      left = { kind: 'compare', op, left, right: this.parsePredicate(), pos };
    }
    this.depth = depth;
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
    if ((this.isOp('-') || this.isOp('+')) && this.tokens[this.i + 1].kind === 'number') {
      this.i++;
      return this.numberLiteral(this.tok, t.text === '-' ? '-' : '+', t.pos);
    }
    const callee = t.kind === 'ident' && this.isOp('(', this.tokens[this.i + 1]);
    if (ITEM_KINDS.has(t.kind) && !(t.kind === 'ident' && t.text.includes('.'))) {
      const item = this.parsePrimary();
      // only UUID('...') of the functions is a literal, so only it may be an item (the Butler's rule)
      if (item.kind === 'call') {
        throw queryErrorAt(
          'QUERY_SYNTAX',
          `Syntax error: ${item.name}(...) is not allowed in an IN list (only literals, names, binds and UUID('...'))`,
          this.source,
          t.pos,
        );
      }
      if (!callee || item.kind === 'uuid') return item as InItem;
    }
    return this.fail(
      "a literal, a range 'a..b', a name without dots or a :bind in the IN list (expressions are not allowed there)",
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
      if (this.tok.kind === 'number') return this.numberLiteral(this.tok, t.text === '-' ? '-' : '+', t.pos);
      this.enter(t.pos);
      const operand = this.parseUnary();
      this.depth--;
      return { kind: 'unary', op: t.text as '-' | '+', operand, pos: t.pos };
    }
    return this.parsePrimary();
  }

  private numberLiteral(t: Token, sign: string, pos: number): Expr & InItem {
    this.i++;
    // the Butler keeps the text as written, sign included (`+4` stays `+4`)
    const text = sign + t.text;
    const value = Number(text);
    const isInt = /^[-+]?\d+$/.test(text);
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
      case 'range': {
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
      case 'ident': {
        this.i++;
        const parts = t.text.split('.');
        if (parts.length > 3) {
          throw queryErrorAt(
            'QUERY_SYNTAX',
            `Syntax error: '${t.text}' has too many dots (at most 'element.field.part')`,
            this.source,
            t.pos,
          );
        }
        if (this.isOp('(')) {
          if (parts.length > 1) this.fail('AND, OR, an operator or the end of the expression');
          return this.parseCall(t);
        }
        return { kind: 'ident', parts, pos: t.pos };
      }
      case 'bind':
        this.i++;
        return { kind: 'bind', name: t.text, pos: t.pos };
      default:
        if (this.isOp('(')) return this.parseParens(t);
        return this.fail(VALUE);
    }
  }

  /** `( expr )` or the two-item tuple `( expr , expr )` (a timespan). */
  private parseParens(open: Token): Expr {
    this.i++;
    this.enter(open.pos);
    const inner = this.parseOr();
    let out: Expr = inner;
    if (this.isOp(',')) {
      this.i++;
      out = { kind: 'tuple', items: [inner, this.parseOr()], pos: open.pos };
      if (this.isOp(',')) this.fail("')': a tuple has exactly two items, (begin, end)");
    }
    this.depth--;
    this.expectOp(')', "')' to close the '('");
    if (out === inner) this.parenthesised.add(inner);
    return out;
  }

  /** `NAME ( [expr (, expr)*] )`; the name's token is `t`, the current token is '('. */
  private parseCall(t: Token): Expr {
    this.i++;
    this.enter(t.pos);
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      args.push(this.parseOr());
      while (this.isOp(',')) {
        this.i++;
        args.push(this.parseOr());
      }
    }
    this.depth--;
    this.expectOp(')', `',' or ')' in the arguments of ${t.text}(...)`);
    try {
      return makeCall(t.text, args, t.pos, this.parenthesised);
    } catch (err) {
      if (err instanceof CallFailure) throw queryErrorAt('QUERY_SYNTAX', err.message, this.source, t.pos);
      throw err;
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
