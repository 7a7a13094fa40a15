/**
 * Differential queries: our corpus (corpus.ts) and generated expressions run on quanta and on the
 * real Butler over the same repository (daf_butler's own test exports base + datasets + spatial,
 * imported into both), on SQLite and on PostgreSQL. The rows must be equal; an input one side
 * rejects must be rejected by the other. A disagreement fails unless docs/query-language.md lists
 * it under "Intentional differences" (differences.ts reads that list).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createButler, type Butler } from '../../../src/butler/index.js';
import { importExport } from '../../../src/butler/import.js';
import { describeWithService, probeService } from '../../helpers/services.js';
import { Oracle, registryDataDir } from '../../helpers/oracle.js';
import { recordDifferences, recordKey, sortRows, stableJson } from './canonical.js';
import { CORPUS, label, type QueryCase } from './corpus.js';
import { intentionalDifference } from './differences.js';
import { quantaAnswer, toTaiNs, type Outcome } from './quanta-side.js';

const lsst = probeService('lsst');
const pg = probeService('postgres');
const FILES = ['base.yaml', 'datasets.yaml', 'spatial.yaml'];

async function oracleAnswer(o: Oracle, root: string, c: QueryCase): Promise<Outcome> {
  const { kind, ...args } = c;
  const op =
    kind === 'data_ids'
      ? 'query_data_ids'
      : kind === 'datasets'
        ? 'query_datasets'
        : 'query_dimension_records';
  const a = await o.attempt<unknown[]>(op, { root, ...args });
  return 'ok' in a ? { ok: a.ok } : a;
}

/** The differences between the two answers, as readable lines (none when they agree). */
function compare(butler: Butler, c: QueryCase, ours: Outcome, theirs: Outcome): string[] {
  if ('error' in ours && 'error' in theirs) return [];
  if ('error' in ours)
    return [
      `quanta rejected it (${ours.error}); daf_butler returned ${(theirs as { ok: unknown[] }).ok.length} rows`,
    ];
  if ('error' in theirs)
    return [`daf_butler rejected it (${theirs.error}); quanta returned ${ours.ok.length} rows`];
  if (c.kind === 'records') {
    const key = (r: Record<string, unknown>) => recordKey(butler.universe, c.element, r);
    const q = new Map((ours.ok as Record<string, unknown>[]).map((r) => [key(r), r]));
    const diffs: string[] = [];
    if (q.size !== theirs.ok.length)
      diffs.push(`${theirs.ok.length} records in daf_butler, ${q.size} in quanta`);
    if (c.order_by) {
      const a = (theirs.ok as Record<string, unknown>[]).map(key).join(' ');
      const b = (ours.ok as Record<string, unknown>[]).map(key).join(' ');
      if (a !== b) diffs.push(`order: daf_butler ${a}, quanta ${b}`);
    }
    for (const r of theirs.ok as Record<string, unknown>[]) {
      const mine = q.get(key(r));
      if (!mine) diffs.push(`record ${key(r)} missing in quanta`);
      else diffs.push(...recordDifferences(r, mine, toTaiNs).map((d) => `record ${key(r)}: ${d}`));
    }
    return diffs;
  }
  // an ordered query is compared in order
  const ordered = c.kind === 'data_ids' && !!c.order_by;
  const a = stableJson(ordered ? ours.ok : sortRows(ours.ok));
  const b = stableJson(ordered ? theirs.ok : sortRows(theirs.ok));
  if (a === b) return [];
  return [
    `daf_butler (${theirs.ok.length} rows): ${b.slice(0, 600)}`,
    `quanta (${ours.ok.length} rows): ${a.slice(0, 600)}`,
  ];
}

function differentialSuite(backend: 'sqlite' | 'postgres', pgUrl?: string): void {
  let oracle: Oracle;
  let butler: Butler;
  let oracleRoot: string;

  beforeAll(async () => {
    const venv = lsst.env.QUANTA_LSST_VENV;
    oracle = new Oracle(venv);
    const tmp = mkdtempSync(join(tmpdir(), `quanta-diff-${backend}-`));
    oracleRoot = join(tmp, 'daf_butler');
    const ns = `oracle_${process.pid}_${Date.now()}`;
    await oracle.call('create', { root: oracleRoot, ...(pgUrl ? { db: pgUrl, namespace: ns } : {}) });
    butler = await createButler(join(tmp, 'quanta'), pgUrl ? { registry: pgUrl } : {});
    for (const f of FILES) {
      const file = join(registryDataDir(venv), f);
      await oracle.call('import', { root: oracleRoot, file });
      await importExport(butler, file);
    }
  }, 120_000);

  afterAll(async () => {
    await butler?.close();
    await oracle?.close();
  });

  for (const c of CORPUS)
    it(`${backend}: ${label(c)}`, async () => {
      const theirs = await oracleAnswer(oracle, oracleRoot, c);
      const ours = await quantaAnswer(butler, c);
      const diffs = compare(butler, c, ours, theirs);
      // a listed difference must still be one (else the list is stale); anything else must agree
      if (intentionalDifference(c))
        expect(diffs.length, `${label(c)} is listed as a difference`).toBeGreaterThan(0);
      else expect(diffs, label(c)).toEqual([]);
    });

  it(`${backend}: generated expressions give the same rows`, async () => {
    const atom = fc.oneof(
      fc
        .integer({ min: 0, max: 5 })
        .map((n) => `detector ${['=', '!=', '<', '>', '<=', '>='][n]} ${(n % 4) + 1}`),
      fc
        .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 2 }))
        .map(([a, b, s]) => `detector IN (${a}..${b}:${s})`),
      fc.subarray([1, 2, 3, 4], { minLength: 1 }).map((xs) => `detector NOT IN (${xs.join(', ')})`),
      fc.constantFrom(
        "purpose = 'SCIENCE'",
        "detector.raft = 'B'",
        "band = 'g'",
        "physical_filter = 'Cam1-R1'",
      ),
      fc.constantFrom(
        'visit = 1',
        'visit.exposure_time < 50',
        'visit.zenith_angle >= 10',
        'visit.day_obs = 20210909',
      ),
    );
    const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        atom,
        fc.tuple(tie('e'), fc.constantFrom('AND', 'OR'), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`),
        tie('e').map((a) => `NOT ${a}`),
      ),
    })).e;
    const dims = fc.constantFrom<string[]>(
      ['detector'],
      ['visit', 'detector'],
      ['physical_filter', 'detector'],
    );
    await fc.assert(
      fc.asyncProperty(expr, dims, async (e, d) => {
        const c: QueryCase = { kind: 'data_ids', dimensions: d, where: `instrument = 'Cam1' AND ${e}` };
        const diffs = compare(
          butler,
          c,
          await quantaAnswer(butler, c),
          await oracleAnswer(oracle, oracleRoot, c),
        );
        expect(diffs, label(c)).toEqual([]);
      }),
      { numRuns: 60, seed: 20261201 },
    );
  }, 120_000);
}

describeWithService('lsst', lsst, 'quanta and daf_butler answer the same queries (SQLite)', () =>
  differentialSuite('sqlite'),
);

if (lsst.available)
  describeWithService('postgres', pg, 'quanta and daf_butler answer the same queries (PostgreSQL)', () =>
    differentialSuite('postgres', pg.env.QUANTA_PG_URL),
  );
