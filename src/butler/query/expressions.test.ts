import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithService, probeService } from '../../../test/helpers/services.js';
import { QueryError } from '../../errors.js';
import { type Butler, createButler } from '../index.js';
import { getUniverse } from '../universe.js';
import { INVALID, project, VALID } from './cases.testkit.js';
import { fixtureRecords, MiniRegistry } from './fixture.testkit.js';
import { checkExpression, parseExpression } from './index.js';

const universe = getUniverse();

/** The table's valid expressions against a real repository (registry.queryDataIds). */
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
  it.each(VALID.map((c) => [c.where, c] as const))('%s', async (_w, c) => {
    const dims = c.dims ?? ['visit'];
    const ids = await butler.registry.queryDataIds(dims, { where: c.where, bind: c.bind });
    expect(project(ids, dims)).toEqual(c.expect);
  });
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
