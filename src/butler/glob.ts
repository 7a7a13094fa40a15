/**
 * Glob patterns for collection and dataset-type names, with the semantics daf_butler uses
 * (Python's fnmatch): `*` matches any run of characters, `/` included (`u/me/*` matches
 * `u/me/w1/20240101T000000Z`), `?` one character, `[abc]`, `[a-z]`, `[!abc]` a set; a `[`
 * without its `]` is literal; there is no escape character, no `{a,b}`, no `**`, no `!(...)`.
 * Matching is case-sensitive and of the whole name.
 *
 * Hand-written rather than picomatch/minimatch: those are path globs (`*` stops at `/`, `\`
 * escapes, braces and extglobs are special), which would not match collection names as the
 * real `butler` does.
 */
import { UsageError } from '../errors.js';

/** daf_butler's test for "is this a glob or a plain name": `*`, `?`, or a `[...]` set. */
const MAGIC = /[*?]|\[.*\]/s;

export function isGlob(pattern: string): boolean {
  return MAGIC.test(pattern);
}

/** Characters that must be escaped outside a set in a `u`-flag RegExp. */
const SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

function badGlob(pattern: string, why: string): UsageError {
  return new UsageError('BAD_GLOB', `Glob "${pattern}" is not valid: ${why}.`, { key: pattern });
}

/** The body of a `[...]` set (between the brackets) as a RegExp class. */
function setToClass(pattern: string, body: string): string {
  let negate = false;
  if (body.startsWith('!')) {
    negate = true;
    body = body.slice(1);
  }
  // a leading `]` or `-` is a literal, as is a `-` at the end; ranges are a-b
  const items: (string | [string, string])[] = [];
  const chars = [...body];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (i + 2 < chars.length && chars[i + 1] === '-') {
      const to = chars[i + 2];
      if (c > to) throw badGlob(pattern, `the range "${c}-${to}" in "[${body}]" is empty`);
      items.push([c, to]);
      i += 2;
    } else items.push(c);
  }
  const esc = (c: string): string => (/[\\\]^[-]/.test(c) ? `\\${c}` : c);
  const inner = items
    .map((it) => (typeof it === 'string' ? esc(it) : `${esc(it[0])}-${esc(it[1])}`))
    .join('');
  if (inner === '') return negate ? '[^]' : '[]';
  return `[${negate ? '^' : ''}${inner}]`;
}

/** The RegExp matching whole names as fnmatch does; a reversed range `[z-a]` is an error. */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  const n = pattern.length;
  let i = 0;
  while (i < n) {
    const c = pattern[i++];
    if (c === '*') {
      while (pattern[i] === '*') i++;
      out += '.*';
    } else if (c === '?') out += '.';
    else if (c === '[') {
      // find the closing `]`: one right after `[` or `[!` belongs to the set
      let j = i;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < n && pattern[j] !== ']') j++;
      if (j >= n) out += '\\[';
      else {
        out += setToClass(pattern, pattern.slice(i, j));
        i = j + 1;
      }
    } else out += c.replace(SYNTAX, '\\$&');
  }
  return new RegExp(`^${out}$`, 'su');
}

/** A name matcher for several patterns (any may match); `[]` or a lone `*` match everything. */
export function globMatcher(patterns: readonly string[]): (name: string) => boolean {
  if (patterns.length === 0 || patterns.includes('*')) return () => true;
  for (const p of patterns) if (p === '') throw badGlob(p, 'it is empty');
  const literal = new Set(patterns.filter((p) => !isGlob(p)));
  const res = patterns.filter(isGlob).map(globToRegExp);
  return (name) => literal.has(name) || res.some((re) => re.test(name));
}

/** The names matching any of the patterns, in the order of `names`. */
export function matchNames(patterns: readonly string[], names: Iterable<string>): string[] {
  const m = globMatcher(patterns);
  return [...names].filter(m);
}
