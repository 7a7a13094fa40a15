import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createButler, regionsOverlap } from '../../src/butler/index.js';
import type { Butler, Region } from '../../src/butler/index.js';
import { planSpatialJoin, spatialFamilies } from '../../src/butler/registry/spatial-join.js';
import { getUniverse } from '../../src/butler/universe.js';
import { fillSpatial, spatialRecords } from './spatial-fixture.js';

const universe = getUniverse();
const recs = spatialRecords();
const region = (r: Record<string, unknown>): Region => r.region as Region;
const patchRegion = (tract: number, patch: number): Region =>
  region(recs.patch.find((p) => p.tract === tract && p.id === patch)!);

/** Brute force over the fixture: the (visit, detector) pairs whose regions overlap the patch. */
function overlapping(tract: number, patch: number): string[] {
  return recs.visit_detector_region
    .filter((r) => regionsOverlap(region(r), patchRegion(tract, patch)))
    .map((r) => `${r.visit}.${r.detector}`)
    .sort();
}

describe('planSpatialJoin', () => {
  it('finds the two region families of the universe, finest member first', () => {
    const names = spatialFamilies(universe).map((f) => f.members);
    expect(names).toContainEqual(['visit_detector_region', 'visit']);
    expect(names).toContainEqual(['patch', 'tract']);
  });

  it('joins the finest members present, and nothing for one family', () => {
    expect(planSpatialJoin(universe, ['visit', 'detector', 'patch'])).toEqual({
      a: { kind: 'region', element: 'visit_detector_region' },
      b: { kind: 'region', element: 'patch' },
    });
    expect(planSpatialJoin(universe, ['visit', 'tract'])).toEqual({
      a: { kind: 'region', element: 'visit' },
      b: { kind: 'region', element: 'tract' },
    });
    expect(planSpatialJoin(universe, ['visit', 'detector'])).toBeUndefined();
    expect(planSpatialJoin(universe, ['exposure', 'detector', 'patch'])).toBeUndefined(); // exposure has no region
    expect(planSpatialJoin(universe, ['visit', 'skymap'])).toBeUndefined();
  });

  it('needs no join when a dataset type already relates the two families', () => {
    expect(planSpatialJoin(universe, ['visit', 'tract'], [['visit', 'tract']])).toBeUndefined();
    expect(planSpatialJoin(universe, ['visit', 'tract'], [['visit', 'detector']])).toBeDefined();
  });
});

describe('spatial joins in registry queries (known geometry)', () => {
  let b: Butler;
  beforeAll(async () => {
    b = await createButler(join(mkdtempSync(join(tmpdir(), 'quanta-sj-')), 'repo'));
    await fillSpatial(b.registry);
  });
  afterAll(() => b.close());
  const pairs = (rows: Record<string, unknown>[]): string[] =>
    rows.map((r) => `${r.visit}.${r.detector}`).sort();

  it('restricts visit-detector data IDs to those overlapping the patch of the where clause', async () => {
    const all = await b.registry.queryDataIds(['visit', 'detector']);
    expect(all.length).toBe(12);
    const rows = await b.registry.queryDataIds(['visit', 'detector'], {
      where: "skymap='SkyMap1' AND tract=0 AND patch=4",
    });
    expect(overlapping(0, 4).length).toBeGreaterThan(0);
    expect(pairs(rows)).toEqual(overlapping(0, 4));
    expect(rows[0]).toEqual({
      instrument: 'Cam1',
      band: 'g',
      physical_filter: 'Cam1-G',
      day_obs: 20210909,
      visit: 2,
      detector: 1,
    });
  });

  it('returns each overlapping (patch, visit, detector) once, and no visit that overlaps nothing', async () => {
    const rows = await b.registry.queryDataIds(['patch', 'visit', 'detector']);
    const expected = recs.patch.flatMap((p) =>
      overlapping(p.tract as number, p.id as number).map((vd) => `${p.tract}.${p.id}.${vd}`),
    );
    expect(rows.map((r) => `${r.tract}.${r.patch}.${r.visit}.${r.detector}`).sort()).toEqual(expected.sort());
    expect(rows.some((r) => r.visit === 3)).toBe(false);
  });

  it('joins visit with tract regions when detector is not in the query', async () => {
    const rows = await b.registry.queryDataIds(['visit'], { where: "skymap='SkyMap1' AND tract=1" });
    const expected = recs.visit
      .filter((v) => regionsOverlap(region(v), region(recs.tract[1])))
      .map((v) => v.id);
    expect(rows.map((r) => r.visit)).toEqual(expected);
    expect(expected).toEqual([2]);
  });

  it('restricts dimension records and datasets the same way', async () => {
    const patches = await b.registry.queryDimensionRecords('patch', {
      where: "instrument='Cam1' AND visit=2 AND detector=3",
    });
    const vd = recs.visit_detector_region.find((r) => r.visit === 2 && r.detector === 3)!;
    const expected = recs.patch.filter((p) => regionsOverlap(region(p), region(vd)));
    expect(patches.map((p) => `${p.tract}.${p.id}`).sort()).toEqual(
      expected.map((p) => `${p.tract}.${p.id}`).sort(),
    );
    await b.registry.registerRun('run');
    await b.registry.registerDatasetType({
      name: 'pvi',
      dimensions: ['visit', 'detector'],
      storageClass: 'X',
    });
    await b.registry.insertDatasets(
      'pvi',
      'run',
      recs.visit_detector_region.map((r) => ({
        dataId: { instrument: 'Cam1', visit: r.visit as number, detector: r.detector as number },
      })),
    );
    const refs = await b.registry.findDatasets('pvi', {
      collections: ['run'],
      where: "skymap='SkyMap1' AND tract=0 AND patch=4",
    });
    expect(pairs(refs.map((r) => r.dataId))).toEqual(overlapping(0, 4));
  });

  it('fills the overlap tables of a repository made before they existed', async () => {
    const db = b.registry.db;
    await db.run("DELETE FROM quanta_meta WHERE key = 'skypix_overlap'");
    await db.exec('DROP TABLE skypix_overlap_patch');
    const rows = await b.registry.queryDataIds(['visit', 'detector'], {
      where: "skymap='SkyMap1' AND tract=0 AND patch=4",
    });
    expect(pairs(rows)).toEqual(overlapping(0, 4));
    const n = await db.all<{ n: number }>('SELECT count(*) AS n FROM skypix_overlap_patch');
    expect(Number(n[0].n)).toBeGreaterThanOrEqual(12);
  });
});
