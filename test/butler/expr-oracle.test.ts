/**
 * The expression oracle: quanta's parser against daf_butler's (python/quanta_lsst/expr.py), on a
 * hand-written corpus (expr-corpus.ts) and on fast-check generated expressions. Both sides give a
 * tree in one normal form (expr-normal.ts), or an error; a disagreement fails unless
 * docs/query-language.md lists the expression as an intentional difference, with the reason.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { QueryError } from '../../src/errors.js';
import { parseExpression, printExpression, type Expr } from '../../src/butler/query/index.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { exprCorpus } from './expr-corpus.js';
import { normal, type Normal, sameNormal } from './expr-normal.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const lsst = probeService('lsst');

type Answer = { tree: Normal } | { error: string; message?: string };

/** daf_butler's answers, one per expression, from one run of the oracle. */
function dafButler(exprs: string[]): Answer[] {
  if (exprs.length === 0) return [];
  const run = spawnSync(`${lsst.env.QUANTA_LSST_VENV}/bin/python`, ['-m', 'quanta_lsst.expr'], {
    cwd: `${root}/python`,
    input: exprs.map((e) => JSON.stringify(e)).join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`quanta_lsst.expr failed: ${run.stderr}`);
  return run.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Answer);
}

function quanta(text: string): Answer {
  try {
    return { tree: normal(parseExpression(text)) };
  } catch (e) {
    if (e instanceof QueryError) return { error: e.code, message: e.message.split('\n')[0] };
    throw e;
  }
}

function agree(a: Answer, b: Answer): boolean {
  if ('error' in a || 'error' in b) return 'error' in a && 'error' in b;
  return sameNormal(a.tree, b.tree);
}

/** The expressions docs/query-language.md lists under "Intentional differences". */
export function intentionalDifferences(): Set<string> {
  const doc = readFileSync(`${root}/docs/query-language.md`, 'utf8');
  const section = doc.split(/^## Intentional differences/m)[1]?.split(/^## /m)[0] ?? '';
  const out = new Set<string>();
  for (const line of section.split('\n')) {
    const m = /^\|\s*`(.*)`\s*\|/.exec(line);
    if (m) out.add(m[1].replace(/\\\|/g, '|').replace(/\\n/g, '\n').replace(/\\t/g, '\t'));
  }
  return out;
}

/** Random expressions: printed random ASTs and random token soups, from a fixed seed. */
function generated(): string[] {
  const name = fc.constantFrom('visit', 'a', 'band', 'x.y', 'visit.timespan.begin', 'NULL', 'f');
  const atom = fc.oneof(
    name,
    fc.integer({ min: -1000, max: 1000 }).map(String),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => String(x)),
    fc.constantFrom("'g'", "T'2021-12-13'", "T'59000.5'", "T'mjd/59000.5/utc'", ':b', '1..5', '3..9:3'),
  );
  const { expr } = fc.letrec<{ expr: string }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small' },
      atom,
      fc
        .tuple(
          tie('expr'),
          fc.constantFrom('AND', 'OR', '=', '!=', '<', '>=', 'OVERLAPS', '+', '-', '*', '/', '%'),
          tie('expr'),
        )
        .map(([a, op, b]) => `${a} ${op} ${b}`),
      tie('expr').map((e) => `(${e})`),
      tie('expr').map((e) => `NOT ${e}`),
      tie('expr').map((e) => `-${e}`),
      fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a}, ${b})`),
      fc
        .tuple(name, fc.array(atom, { minLength: 1, maxLength: 4 }), fc.boolean())
        .map(([n, items, not]) => `${n} ${not ? 'NOT IN' : 'IN'} (${items.join(', ')})`),
      fc
        .tuple(
          fc.constantFrom('POINT', 'CIRCLE', 'BOX', 'glob', 'uuid', 'f'),
          fc.array(tie('expr'), { maxLength: 4 }),
        )
        .map(([f, args]) => `${f}(${args.join(', ')})`),
    ),
  }));
  const piece = fc.constantFrom(
    'visit',
    ' ',
    ' ',
    '=',
    '!=',
    '<',
    "'g'",
    "T'2021-12-13'",
    "T'59000.5'",
    '(',
    ')',
    ',',
    '1..5',
    ':b',
    '1',
    '-',
    '+',
    '*',
    '2.5',
    'and',
    'OR',
    'Not',
    'in',
    'overlaps',
    'POINT(',
    'NULL',
    '.',
    'x.y',
  );
  const soup = fc.array(piece, { minLength: 1, maxLength: 12 }).map((p) => p.join(''));
  const opts = { seed: 20261130, numRuns: 400 };
  return [...fc.sample(expr, opts), ...fc.sample(soup, opts)];
}

describeWithService('lsst', lsst, 'the expression parser agrees with daf_butler', () => {
  const known = intentionalDifferences();

  function compare(exprs: string[]): { agreed: number; disagreements: string[] } {
    const theirs = dafButler(exprs);
    const disagreements: string[] = [];
    let agreed = 0;
    exprs.forEach((text, i) => {
      const ours = quanta(text);
      if (agree(ours, theirs[i])) agreed++;
      else if (!known.has(text))
        disagreements.push(
          `${JSON.stringify(text)}\n  quanta:     ${JSON.stringify(ours)}\n  daf_butler: ${JSON.stringify(theirs[i])}`,
        );
    });
    return { agreed, disagreements };
  }

  it('on the hand-written corpus of several hundred expressions', () => {
    const corpus = exprCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(300);
    const { agreed, disagreements } = compare(corpus);
    console.log(`expression oracle: ${agreed} of ${corpus.length} corpus expressions agree with daf_butler`);
    expect(disagreements, disagreements.join('\n')).toEqual([]);
  }, 120_000);

  it('on fast-check generated expressions', () => {
    const exprs = generated();
    const { agreed, disagreements } = compare(exprs);
    console.log(
      `expression oracle: ${agreed} of ${exprs.length} generated expressions agree with daf_butler`,
    );
    expect(disagreements, disagreements.join('\n')).toEqual([]);
  }, 120_000);

  it('lists only intentional differences that are still differences', () => {
    const listed = [...known];
    const theirs = dafButler(listed);
    const stale = listed.filter((text, i) => agree(quanta(text), theirs[i]));
    expect(stale, 'listed in docs/query-language.md but now agree').toEqual([]);
  }, 60_000);
});

it('the printer gives text that parses back to the same normal form', () => {
  for (const text of exprCorpus()) {
    let e: Expr;
    try {
      e = parseExpression(text);
    } catch {
      continue;
    }
    expect(normal(parseExpression(printExpression(e))), text).toEqual(normal(e));
  }
});
