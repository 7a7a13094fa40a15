/**
 * Tokens of the dataQuery language, following the Butler's lexer: keywords are case-insensitive,
 * identifiers have up to two dots (`visit.timespan.begin`), ranges `a..b[:s]` are single tokens,
 * strings are single-quoted with no escapes (a string ends at the next quote), `T'...'` is a
 * time. Whitespace is space, tab and newline, as in the Butler's lexer.
 */
import { queryErrorAt } from './errors.js';

export type TokenKind = 'number' | 'string' | 'time' | 'range' | 'ident' | 'bind' | 'keyword' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** keyword: upper case; op: the operator text; ident: the dotted name; string/time: the content */
  text: string;
  pos: number;
  /** range tokens only */
  range?: { start: number; stop: number; stride: number };
}

export const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'OVERLAPS']);

const RANGE_RE = /(-?\d+)\s*\.\.\s*(-?\d+)(?:\s*:\s*([1-9]\d*))?/y;
const BAD_STRIDE_RE = /\s*:\s*\d/y;
const NUMBER_RE = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/y;
const IDENT_RE = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const OPERATORS = ['!=', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ','];

function matchAt(re: RegExp, text: string, pos: number): RegExpExecArray | null {
  re.lastIndex = pos;
  return re.exec(text);
}

/** Reads a quoted string starting at the quote at `pos`; returns [content, end offset]. */
function readQuoted(text: string, pos: number): [string, number] {
  const q = text.indexOf("'", pos + 1);
  const nl = text.indexOf('\n', pos + 1);
  if (q < 0 || (nl >= 0 && nl < q)) {
    throw queryErrorAt(
      'QUERY_SYNTAX',
      "Syntax error: unterminated string (a closing ' is missing on this line)",
      text,
      pos,
    );
  }
  return [text.slice(pos + 1, q), q + 1];
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const c = text[pos];
    if (c === ' ' || c === '\t' || c === '\n') {
      pos++;
      continue;
    }
    if ((c === 'T' || c === 't') && text[pos + 1] === "'") {
      const [content, end] = readQuoted(text, pos + 1);
      tokens.push({ kind: 'time', text: content, pos });
      pos = end;
      continue;
    }
    if (c === "'") {
      const [content, end] = readQuoted(text, pos);
      tokens.push({ kind: 'string', text: content, pos });
      pos = end;
      continue;
    }
    const range = matchAt(RANGE_RE, text, pos);
    if (range) {
      const stride = range[3] === undefined ? 1 : Number(range[3]);
      if (range[3] === undefined && matchAt(BAD_STRIDE_RE, text, pos + range[0].length)) {
        throw queryErrorAt(
          'QUERY_SYNTAX',
          'Syntax error: the stride of a range must be 1 or more',
          text,
          pos,
        );
      }
      tokens.push({
        kind: 'range',
        text: range[0],
        pos,
        range: { start: Number(range[1]), stop: Number(range[2]), stride },
      });
      pos += range[0].length;
      continue;
    }
    const num = matchAt(NUMBER_RE, text, pos);
    if (num) {
      tokens.push({ kind: 'number', text: num[0], pos });
      pos += num[0].length;
      continue;
    }
    if (c === ':' && matchAt(IDENT_RE, text, pos + 1)) {
      const name = matchAt(IDENT_RE, text, pos + 1)![0];
      tokens.push({ kind: 'bind', text: name, pos });
      pos += name.length + 1;
      continue;
    }
    const ident = matchAt(IDENT_RE, text, pos);
    if (ident) {
      const upper = ident[0].toUpperCase();
      if (KEYWORDS.has(upper)) tokens.push({ kind: 'keyword', text: upper, pos });
      else tokens.push({ kind: 'ident', text: ident[0], pos });
      pos += ident[0].length;
      continue;
    }
    if (text.startsWith('==', pos) || text.startsWith('<>', pos)) {
      const want = text.startsWith('==', pos) ? '=' : '!=';
      throw queryErrorAt(
        'QUERY_SYNTAX',
        `Syntax error: unknown operator '${text.slice(pos, pos + 2)}'; write '${want}'`,
        text,
        pos,
      );
    }
    const op = OPERATORS.find((o) => text.startsWith(o, pos));
    if (!op) {
      const ch = String.fromCodePoint(text.codePointAt(pos)!);
      throw queryErrorAt('QUERY_SYNTAX', `Syntax error: unexpected character '${ch}'`, text, pos);
    }
    tokens.push({ kind: 'op', text: op, pos });
    pos += op.length;
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length });
  return tokens;
}

/** A token as named in "found ..." of syntax errors. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'the end of the expression';
    case 'string':
      return `string '${t.text}'`;
    case 'time':
      return `time T'${t.text}'`;
    case 'bind':
      return `':${t.text}'`;
    default:
      return `'${t.text}'`;
  }
}
