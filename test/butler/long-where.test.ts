/**
 * A where clause of thousands of ORs (a data ID list pasted into --where) is answered, in
 * seconds, on SQLite and PostgreSQL: the parser does not recurse per operand and the SQL does
 * not nest deeper than SQLite's expression limit (1000).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createButler, type Butler } from '../../src/butler/index.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { DETECTORS, fillFixture, VISITS } from './fixture.js';

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'quanta-lw-')), 'repo');

/** `(visit = v AND detector = d) OR ...`, n terms, cycling over visits 0..n-1 (mostly absent). */
function orChain(n: number): { where: string; expected: string[] } {
  const terms: string[] = [];
  const expected = new Set<string>();
  for (let i = 0; i < n; i++) {
    const visit = 100 + (i % 2000);
    const detector = DETECTORS[i % DETECTORS.length];
    terms.push(`(visit = ${visit} AND detector = ${detector})`);
    // visit 105 has no detector 3 (fixture.ts)
    if (VISITS.includes(visit) && !(visit === 105 && detector === 3)) expected.add(`${visit}.${detector}`);
  }
  return { where: `instrument = 'ToyCam' AND (${terms.join(' OR ')})`, expected: [...expected].sort() };
}

function suite(make: () => Promise<Butler>): void {
  let b: Butler;
  beforeAll(async () => {
    b = await make();
    await fillFixture(b);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
  });

  for (const n of [1000, 5000]) {
    it(`answers a where clause of ${n} ORs in seconds`, async () => {
      const { where, expected } = orChain(n);
      const t0 = performance.now();
      const ids = await b.registry.queryDataIds(['visit', 'detector'], { where });
      const seconds = (performance.now() - t0) / 1000;
      expect(ids.map((d) => `${d.visit}.${d.detector}`).sort()).toEqual(expected);
      expect(seconds).toBeLessThan(5);
    }, 30_000);
  }

  it('keeps the meaning of a long chain under NOT and mixed with other terms', async () => {
    const all = VISITS.flatMap((v) =>
      DETECTORS.filter((d) => !(v === 105 && d === 3)).map((d) => `${v}.${d}`),
    ).sort();
    const { where, expected } = orChain(300);
    const chain = where.slice(where.indexOf('('));
    const not = await b.registry.queryDataIds(['visit', 'detector'], {
      where: `instrument = 'ToyCam' AND NOT ${chain}`,
    });
    expect(not.map((d) => `${d.visit}.${d.detector}`).sort()).toEqual(
      all.filter((x) => !expected.includes(x)),
    );
    // the chain's pairs, detector 3 anywhere, and visit 101 (every detector)
    const extra = `${chain.slice(0, -1)} OR detector = 3 OR 101 = visit OR (visit = 104 AND detector > 0))`;
    const mixed = await b.registry.queryDataIds(['visit', 'detector'], {
      where: `instrument = 'ToyCam' AND ${extra}`,
    });
    const want = all.filter((x) => {
      const [v, d] = x.split('.').map(Number);
      return expected.includes(x) || d === 3 || v === 101 || (v === 104 && d > 0);
    });
    expect(mixed.map((d) => `${d.visit}.${d.detector}`).sort()).toEqual(want);
  }, 30_000);

  it('answers 2,000 ANDed conditions', async () => {
    const terms = Array.from({ length: 2000 }, (_, i) => `visit != ${5000 + i}`);
    const ids = await b.registry.queryDataIds(['visit'], {
      where: `instrument = 'ToyCam' AND ${terms.join(' AND ')}`,
    });
    expect(ids.map((d) => d.visit).sort()).toEqual(VISITS);
  }, 30_000);
}

describe('long where clauses on SQLite', () => suite(() => createButler(tmp())));

const pg = probeService('postgres');
describeWithService('postgres', pg, 'long where clauses on PostgreSQL', () =>
  suite(() => createButler(tmp(), { registry: pg.env.QUANTA_PG_URL })),
);
