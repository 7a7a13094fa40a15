import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Oracle, OracleError } from '../../../test/helpers/oracle.js';
import { describeWithService, probeService } from '../../../test/helpers/services.js';
import { QueryError } from '../../errors.js';
import { type Butler, createButler } from '../index.js';
import { getUniverse } from '../universe.js';
import { governed, INVALID, project, VALID, type ValidCase } from './cases.testkit.js';
import { fixtureRecords, MiniRegistry } from './fixture.testkit.js';
import { checkExpression, parseExpression } from './index.js';

const universe = getUniverse();

/**
 * The table's valid expressions against a real repository (registry.queryDataIds). A clause the
 * table marks with a governor is refused as written, and gives the expected rows once the governor
 * is named (`governed`).
 */
function resultSetSuite(registryUrl: () => string | undefined): void {
  let dir: string;
  let butler: Butler;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quanta-query-'));
    butler = await createButler(join(dir, 'repo'), { registry: registryUrl() });
    for (const [element, records] of fixtureRecords())
      await butler.registry.insertDimensionRecords(element, records);
  });
  afterAll(async () => {
    await butler?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const label = (c: ValidCase): string =>
    c.governor ? `${c.where} (refused without ${c.governor}; rows with it)` : c.where;
  it.each(VALID.map((c) => [label(c), c] as const))('%s', async (_w, c) => {
    const dims = c.dims ?? ['visit'];
    if (c.governor) {
      const refusal = butler.registry.queryDataIds(dims, { where: c.where, bind: c.bind });
      await expect(refusal).rejects.toBeInstanceOf(QueryError);
      await expect(refusal).rejects.toMatchObject({
        code: 'QUERY_GOVERNOR_UNCONSTRAINED',
        location: { key: c.governor },
      });
    }
    const ids = await butler.registry.queryDataIds(dims, { where: governed(c), bind: c.bind });
    expect(project(ids, dims)).toEqual(c.expect);
  });
}

/** daf_butler's verdict on a clause: the governor it says is unconstrained, or undefined. */
async function dafButlerGovernor(oracle: Oracle, root: string, c: ValidCase): Promise<string | undefined> {
  try {
    await oracle.call('query_data_ids', {
      root,
      dimensions: c.dims ?? ['visit'],
      where: c.where,
      bind: c.bind,
    });
    return undefined;
  } catch (e) {
    if (!(e instanceof OracleError)) throw e;
    const m = /references a dimension dependent on (\w+) without constraining it directly/.exec(e.message);
    // any other refusal is a difference of the language, which the differential suites cover
    return m?.[1];
  }
}

describe('dataQuery expression table', () => {
  it('holds at least 60 expressions', () => {
    expect(VALID.length + INVALID.length).toBeGreaterThanOrEqual(60);
  });

  describe('valid expressions give the expected data IDs (registry on SQLite)', () => {
    resultSetSuite(() => undefined);
  });

  const pg = probeService('postgres');
  describeWithService(
    'postgres',
    pg,
    'valid expressions give the expected data IDs (registry on PostgreSQL)',
    () => {
      resultSetSuite(() => pg.env.QUANTA_PG_URL);
    },
  );

  const lsst = probeService('lsst');
  describeWithService('lsst', lsst, "the governor marks of the table are daf_butler's verdicts", () => {
    let oracle: Oracle;
    let root: string;
    beforeAll(async () => {
      oracle = new Oracle(lsst.env.QUANTA_LSST_VENV);
      root = join(mkdtempSync(join(tmpdir(), 'quanta-query-oracle-')), 'repo');
      await oracle.call('create', { root });
    }, 60_000);
    afterAll(async () => {
      await oracle?.close();
      rmSync(dirname(root), { recursive: true, force: true });
    });
    // binds of times and timespans do not travel as JSON; none of those clauses needs a governor
    const jsonBind = (c: ValidCase): boolean =>
      Object.values(c.bind ?? {}).every((v) => typeof v !== 'object' || Array.isArray(v));
    it.each(VALID.filter(jsonBind).map((c) => [c.where, c] as const))('%s', async (_w, c) => {
      expect(await dafButlerGovernor(oracle, root, c)).toBe(c.governor);
    });
  });

  describe('valid expressions give the same data IDs on bare dim_ tables (compiled SQL only)', () => {
    const mini = new MiniRegistry(universe);
    it.each(VALID.map((c) => [c.where, c] as const))('%s', (_w, c) => {
      const dims = c.dims ?? ['visit'];
      expect(project(mini.queryDataIds(dims, c.where, c.bind), dims)).toEqual(c.expect);
    });
  });

  describe('invalid expressions are QueryErrors naming the problem', () => {
    it.each(INVALID.map((c) => [c.where, c] as const))('%s', (_w, c) => {
      let error: unknown;
      try {
        checkExpression(parseExpression(c.where), universe, { bind: c.bind });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(QueryError);
      const qe = error as QueryError;
      expect(qe.message).toMatch(c.error);
      expect(qe.location.column).toBeGreaterThan(0);
      if (c.column !== undefined) expect(qe.location.column).toBe(c.column);
      // every located message ends with the source line and a caret under the column
      expect(qe.message.split('\n').at(-1)).toBe(`${' '.repeat(qe.location.column! - 1)}^`);
    });
  });

  it('reaches the user through the registry as the same QueryError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-query-'));
    const butler = await createButler(join(dir, 'repo'));
    try {
      await expect(butler.registry.queryDataIds(['visit'], { where: "visit = 'abc'" })).rejects.toThrow(
        /Type mismatch: visit \(an integer\) cannot be compared with 'abc'/,
      );
    } finally {
      await butler.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
