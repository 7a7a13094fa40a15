/** Collection and dataset-type globs match as Python's fnmatch (daf_butler's semantics). */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatcher, globToRegExp, isGlob, matchNames } from '../../src/butler/glob.js';

const python = spawnSync('python3', ['-c', 'import fnmatch'], { encoding: 'utf8' }).status === 0;

describe('fnmatch-style globs', () => {
  it('match collection names as butler does', () => {
    const cases: [string, string, boolean][] = [
      ['u/*', 'u/me/w1/20240101T000000Z', true], // `*` crosses `/`
      ['u/me/?', 'u/me/a', true],
      ['u/me/?', 'u/me/ab', false],
      ['run[0-9]', 'run7', true],
      ['run[!0-9]', 'run7', false],
      ['[]]x', ']x', true],
      ['a[b', 'a[b', true], // `[` without `]` is literal
      ['{a,b}', 'a', false], // no braces
      ['a\\b', 'a\\b', true], // no escape character
      ['calexp*', 'Calexp', false], // case-sensitive
      ['*.fits', 'x.fits', true],
      ['*.fits', 'xfits', false],
    ];
    for (const [p, name, want] of cases) expect(globToRegExp(p).test(name), `${p} ~ ${name}`).toBe(want);
  });

  it('tells plain names from globs, and a lone * matches everything', () => {
    expect(isGlob('ToyCam/raw/all')).toBe(false);
    expect(isGlob('a[1]')).toBe(true);
    expect(isGlob('a[1')).toBe(false);
    expect(matchNames(['*'], ['b', 'a'])).toEqual(['b', 'a']);
    expect(matchNames(['x', 'y?'], ['x', 'yz', 'y', 'x?'])).toEqual(['x', 'yz']);
    expect(() => globMatcher([''])).toThrow(/is empty/);
    expect(() => globToRegExp('[z-a]')).toThrow(/range "z-a" .* is empty/);
  });

  it.skipIf(!python)('agrees with Python fnmatch on generated patterns', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', '-', '!', ']', '[', '*', '?', '.', '^', '\\');
    const pattern = fc.array(alphabet, { maxLength: 8 }).map((cs) => cs.join(''));
    const name = fc
      .array(fc.constantFrom('a', 'b', '/', '-', '!', ']', '[', '.', '^', '\\'), { maxLength: 6 })
      .map((cs) => cs.join(''));
    const pairs = fc.sample(fc.tuple(pattern, name), { numRuns: 3000, seed: 11 }).filter(([p]) => {
      try {
        globToRegExp(p);
        return true;
      } catch {
        return false; // reversed ranges: quanta rejects what fnmatch would silently never match
      }
    });
    const r = spawnSync(
      'python3',
      [
        '-c',
        'import fnmatch, json, re, sys\nprint(json.dumps([bool(re.match(fnmatch.translate(p), n)) for p, n in json.load(sys.stdin)]))',
      ],
      { encoding: 'utf8', input: JSON.stringify(pairs) },
    );
    const want = JSON.parse(r.stdout) as boolean[];
    const bad = pairs.filter(([p, n], i) => globToRegExp(p).test(n) !== want[i]);
    expect(bad).toEqual([]);
    expect(pairs.length).toBeGreaterThan(2500);
  });
});
