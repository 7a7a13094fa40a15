/**
 * The part of Python's expression language that pipeline contracts use
 * (`isr.doWrite == False or calibrate.connections.exposure == "postISRCCD"`): literals, names,
 * attributes, subscripts, comparisons (chained, `in`, `is`), `and`/`or`/`not`, arithmetic, the
 * ternary, and a few builtins (len, abs, min, max, bool, int, float, str, all, any). Parsed
 * here and evaluated over plain config objects; pipe_base itself calls Python's eval.
 */

export class ContractSyntaxError extends Error {}

export type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'name'; n: string }
  | { k: 'attr'; o: Expr; n: string }
  | { k: 'index'; o: Expr; i: Expr }
  | { k: 'call'; f: Expr; args: Expr[] }
  | { k: 'list'; items: Expr[] }
  | { k: 'unary'; op: string; a: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'cmp'; first: Expr; rest: [string, Expr][] }
  | { k: 'bool'; op: 'and' | 'or'; a: Expr; b: Expr }
  | { k: 'if'; c: Expr; a: Expr; b: Expr };

interface Tok {
  t: 'num' | 'str' | 'name' | 'op' | 'end';
  v: string;
  value?: unknown;
}

const OPS = [
  '**',
  '//',
  '==',
  '!=',
  '<=',
  '>=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '(',
  ')',
  '[',
  ']',
  ',',
  '.',
];
const ESC: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d[\d_]*\.?[\d_]*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'num', v: num[0], value: Number(num[0].replaceAll('_', '')) });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (name) {
      out.push({ t: 'name', v: name[0] });
      i += name[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let s = '';
      let j = i + 1;
      for (; j < src.length && src[j] !== c; j++) {
        if (src[j] === '\\' && j + 1 < src.length) s += ESC[src[++j]] ?? `\\${src[j]}`;
        else s += src[j];
      }
      if (j >= src.length) throw new ContractSyntaxError(`unterminated string at ${i + 1}`);
      out.push({ t: 'str', v: src.slice(i, j + 1), value: s });
      i = j + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ContractSyntaxError(`unexpected "${c}" at ${i + 1}`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  out.push({ t: 'end', v: '' });
  return out;
}

const CONSTANTS: Record<string, unknown> = { True: true, False: false, None: null };

export function parseContract(src: string): Expr {
  const toks = tokenize(src);
  let p = 0;
  const peek = (): Tok => toks[p];
  const is = (v: string): boolean => (peek().t === 'op' || peek().t === 'name') && peek().v === v;
  const eat = (v: string): boolean => (is(v) ? (p++, true) : false);
  const expect = (v: string): void => {
    if (!eat(v)) throw new ContractSyntaxError(`expected "${v}" but found "${peek().v || 'the end'}"`);
  };
  const expr = (): Expr => {
    const a = or();
    if (!eat('if')) return a;
    const c = or();
    expect('else');
    return { k: 'if', c, a, b: expr() };
  };
  const or = (): Expr => {
    let a = and();
    while (eat('or')) a = { k: 'bool', op: 'or', a, b: and() };
    return a;
  };
  const and = (): Expr => {
    let a = not();
    while (eat('and')) a = { k: 'bool', op: 'and', a, b: not() };
    return a;
  };
  const not = (): Expr => (eat('not') ? { k: 'unary', op: 'not', a: not() } : comparison());
  const cmpOp = (): string | undefined => {
    for (const o of ['==', '!=', '<=', '>=', '<', '>', 'in']) if (eat(o)) return o;
    if (is('not') && toks[p + 1]?.v === 'in') return ((p += 2), 'not in');
    if (eat('is')) return eat('not') ? 'is not' : 'is';
    return undefined;
  };
  const comparison = (): Expr => {
    const first = arith();
    const rest: [string, Expr][] = [];
    for (let op = cmpOp(); op; op = cmpOp()) rest.push([op, arith()]);
    return rest.length ? { k: 'cmp', first, rest } : first;
  };
  const arith = (): Expr => {
    let a = term();
    while (is('+') || is('-')) a = { k: 'bin', op: toks[p++].v, a, b: term() };
    return a;
  };
  const term = (): Expr => {
    let a = factor();
    while (is('*') || is('/') || is('//') || is('%')) a = { k: 'bin', op: toks[p++].v, a, b: factor() };
    return a;
  };
  const factor = (): Expr => (is('-') || is('+') ? { k: 'unary', op: toks[p++].v, a: factor() } : power());
  const power = (): Expr => {
    const a = primary();
    return eat('**') ? { k: 'bin', op: '**', a, b: factor() } : a;
  };
  const items = (close: string): Expr[] => {
    const out: Expr[] = [];
    while (!is(close)) {
      out.push(expr());
      if (!eat(',')) break;
    }
    expect(close);
    return out;
  };
  const primary = (): Expr => {
    let e = atom();
    for (;;) {
      if (eat('.')) {
        const n = peek();
        if (n.t !== 'name') throw new ContractSyntaxError(`expected a name after "." but found "${n.v}"`);
        p++;
        e = { k: 'attr', o: e, n: n.v };
      } else if (eat('[')) {
        e = { k: 'index', o: e, i: expr() };
        expect(']');
      } else if (eat('(')) {
        e = { k: 'call', f: e, args: items(')') };
      } else return e;
    }
  };
  const atom = (): Expr => {
    const t = toks[p++];
    if (t.t === 'num') return { k: 'lit', v: t.value };
    if (t.t === 'str') {
      let s = t.value as string;
      while (peek().t === 'str') s += toks[p++].value as string; // adjacent literals concatenate
      return { k: 'lit', v: s };
    }
    if (t.t === 'name') {
      if (t.v in CONSTANTS) return { k: 'lit', v: CONSTANTS[t.v] };
      if (['and', 'or', 'not', 'in', 'is', 'if', 'else', 'lambda', 'for'].includes(t.v))
        throw new ContractSyntaxError(`unexpected "${t.v}"`);
      return { k: 'name', n: t.v };
    }
    if (t.v === '(') {
      const xs = items(')');
      return xs.length === 1 && toks[p - 2].v !== ',' ? xs[0] : { k: 'list', items: xs };
    }
    if (t.v === '[') return { k: 'list', items: items(']') };
    throw new ContractSyntaxError(`unexpected "${t.v || 'end of the contract'}"`);
  };
  const e = expr();
  if (peek().t !== 'end') throw new ContractSyntaxError(`unexpected "${peek().v}"`);
  return e;
}

/** The names an expression reads (builtins that are called are not counted). */
export function namesIn(e: Expr, out = new Set<string>()): Set<string> {
  switch (e.k) {
    case 'name':
      out.add(e.n);
      break;
    case 'attr':
      namesIn(e.o, out);
      break;
    case 'index':
      namesIn(e.o, out);
      namesIn(e.i, out);
      break;
    case 'call':
      if (e.f.k !== 'name') namesIn(e.f, out);
      e.args.forEach((a) => namesIn(a, out));
      break;
    case 'list':
      e.items.forEach((a) => namesIn(a, out));
      break;
    case 'unary':
      namesIn(e.a, out);
      break;
    case 'bin':
    case 'bool':
      namesIn(e.a, out);
      namesIn(e.b, out);
      break;
    case 'cmp':
      namesIn(e.first, out);
      e.rest.forEach(([, x]) => namesIn(x, out));
      break;
    case 'if':
      [e.c, e.a, e.b].forEach((x) => namesIn(x, out));
      break;
    case 'lit':
      break;
  }
  return out;
}
