/** The registry behaviour both backends must share; registry.test.ts runs it on SQLite and PostgreSQL. */
import { expect, it } from 'vitest';
import { RegistryError } from '../../src/errors.js';
import { openButler } from '../../src/butler/index.js';
import type { Butler } from '../../src/butler/index.js';
import { DETECTORS, VISITS, fillFixture } from './fixture.js';

export function registrySuite(make: () => Promise<Butler>): void {
  const withRepo = (body: (b: Butler) => Promise<void>) => async () => {
    const b = await make();
    try {
      await fillFixture(b);
      await body(b);
    } finally {
      await b.close();
    }
  };
  const raw = { name: 'raw', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'Exposure' };

  it(
    'joins visit and detector through visit_detector_region',
    withRepo(async (b) => {
      const ids = await b.registry.queryDataIds(['visit', 'detector']);
      expect(ids).toHaveLength(VISITS.length * DETECTORS.length - 1);
      expect(ids[0]).toEqual({
        instrument: 'ToyCam',
        band: 'g',
        physical_filter: 'toy-g',
        detector: 0,
        day_obs: 20240101,
        visit: 100,
      });
      expect(ids.some((d) => d.visit === 105 && d.detector === 3)).toBe(false);
    }),
  );

  it(
    'filters with the Butler expression syntax and bind values',
    withRepo(async (b) => {
      const r = b.registry;
      expect(
        await r.queryDataIds(['visit'], {
          where: "instrument = 'ToyCam' and band = 'r' and visit.day_obs = 20240102",
        }),
      ).toEqual([expect.objectContaining({ visit: 103 }), expect.objectContaining({ visit: 105 })]);
      const ids = await r.queryDataIds(['visit', 'detector'], {
        where: "instrument = 'ToyCam' and visit in (:vs) and detector > 1",
        bind: { vs: [100, 104] },
      });
      expect(ids.map((d) => `${d.visit}.${d.detector}`)).toEqual(['100.2', '100.3', '104.2', '104.3']);
      expect(
        (
          await r.queryDataIds(['exposure'], {
            where: "exposure.observation_type = 'science' and visit = 102",
            dataId: { instrument: 'ToyCam' },
          })
        ).map((d) => d.exposure),
      ).toEqual([102]);
    }),
  );

  it(
    'returns dimension records with regions parsed',
    withRepo(async (b) => {
      const recs = await b.registry.queryDimensionRecords('visit', {
        dataId: { instrument: 'ToyCam', visit: 101 },
      });
      expect(recs).toHaveLength(1);
      expect(recs[0]).toMatchObject({ id: 101, name: 'TC_101', physical_filter: 'toy-r', day_obs: 20240101 });
      expect((recs[0].region as { vertices: unknown[] }).vertices).toHaveLength(4);
      expect(
        await b.registry.queryDimensionRecords('detector', {
          where: "instrument = 'ToyCam' and detector.full_name = 'R00_S02'",
        }),
      ).toEqual([expect.objectContaining({ id: 2, raft: 'R00' })]);
    }),
  );

  it(
    'syncs identical records and rejects conflicting ones naming the field',
    withRepo(async (b) => {
      expect(await b.registry.syncDimensionRecords('band', [{ name: 'g' }, { name: 'i' }])).toBe(1);
      await expect(
        b.registry.syncDimensionRecords('physical_filter', [
          { instrument: 'ToyCam', name: 'toy-g', band: 'r' },
        ]),
      ).rejects.toThrow(/band \(registry: "g"\)/);
      await expect(b.registry.insertDimensionRecords('band', [{ name: 'g' }])).rejects.toBeInstanceOf(
        RegistryError,
      );
      await expect(
        b.registry.insertDimensionRecords('visit', [{ instrument: 'ToyCam', id: 9, colour: 'red' }]),
      ).rejects.toThrow(/unknown field "colour"/);
    }),
  );

  it(
    'flattens nested chains in order and rejects cycles naming the chain',
    withRepo(async (b) => {
      const r = b.registry;
      for (const run of ['run/a', 'run/b', 'run/c']) await r.registerRun(run);
      await r.registerCollection('tag', 'TAGGED');
      await r.setCollectionChain('inner', ['run/b', 'tag']);
      await r.setCollectionChain('outer', ['run/c', 'inner', 'run/b', 'run/a']);
      expect(await r.resolveCollections(['outer'])).toEqual(['run/c', 'run/b', 'tag', 'run/a']);
      expect(await r.getCollectionChain('outer')).toEqual(['run/c', 'inner', 'run/b', 'run/a']);
      await expect(r.setCollectionChain('inner', ['outer'])).rejects.toThrow(
        /chain "inner".*cycle: inner -> outer -> inner/,
      );
      await expect(r.resolveCollections(['run/d'])).rejects.toThrow(/"run\/d" does not exist/);
      const cs = await r.queryCollections('run/*');
      expect(cs.map((c) => c.name)).toEqual(['run/a', 'run/b', 'run/c']);
      expect((await r.queryCollections()).find((c) => c.name === 'outer')).toEqual({
        name: 'outer',
        type: 'CHAINED',
        children: ['run/c', 'inner', 'run/b', 'run/a'],
      });
    }),
  );

  it(
    'rejects re-registering a dataset type with another definition, naming both',
    withRepo(async (b) => {
      expect(await b.registry.registerDatasetType(raw)).toBe(true);
      expect(await b.registry.registerDatasetType(raw)).toBe(false);
      await expect(b.registry.registerDatasetType({ ...raw, storageClass: 'Catalog' })).rejects.toThrow(
        /already registered as \{dimensions: \[instrument, detector, exposure\], storageClass: Exposure\}.*as \{.*storageClass: Catalog\}/,
      );
      await expect(b.registry.getDatasetType('rawx')).rejects.toThrow(/did you mean "raw"/);
    }),
  );

  it(
    'keeps datasets unique per type, data ID and run, and finds the first along the search path',
    withRepo(async (b) => {
      const r = b.registry;
      await r.registerDatasetType(raw);
      await r.registerRun('old');
      await r.registerRun('new');
      await r.setCollectionChain('all', ['new', 'old']);
      const dataId = (e: number, d: number) => ({ instrument: 'ToyCam', exposure: e, detector: d });
      const olds = await r.insertDatasets('raw', 'old', [
        { dataId: dataId(100, 0), path: 'o0' },
        { dataId: dataId(100, 1), path: 'o1' },
      ]);
      const [n0] = await r.insertDatasets('raw', 'new', [{ dataId: dataId(100, 0), path: 'n0' }]);
      // idempotent for the same id
      await r.insertDatasets('raw', 'new', [{ id: n0.id, dataId: dataId(100, 0), path: 'n0' }]);
      await expect(r.insertDatasets('raw', 'new', [{ dataId: dataId(100, 0) }])).rejects.toThrow(
        /already has a "raw" dataset/,
      );
      const found = await r.findDatasets('raw', { collections: ['all'] });
      expect(found.map((f) => f.path)).toEqual(['n0', 'o1']);
      expect(found[1].id).toBe(olds[1].id);
      // implied dimensions are filled in from the exposure and physical_filter records
      expect(found[1].dataId).toEqual({
        instrument: 'ToyCam',
        detector: 1,
        exposure: 100,
        band: 'g',
        physical_filter: 'toy-g',
        day_obs: 20240101,
      });
      expect(
        (
          await r.findDatasets('raw', {
            collections: ['all'],
            where: 'detector = 1',
            dataId: { instrument: 'ToyCam' },
          })
        ).map((f) => f.run),
      ).toEqual(['old']);
      const ids = await r.queryDataIds(['exposure', 'detector'], { datasets: ['raw'], collections: ['all'] });
      expect(ids.map((d) => d.detector)).toEqual([0, 1]);
      await r.registerCollection('picked', 'TAGGED');
      await r.associate('picked', [olds[0].id]);
      expect((await r.findDatasets('raw', { collections: ['picked'] })).map((f) => f.path)).toEqual(['o0']);
      expect(await r.removeRuns(['old'])).toEqual(expect.arrayContaining(['o0', 'o1']));
      expect((await r.findDatasets('raw', { collections: ['all'] })).map((f) => f.path)).toEqual(['n0']);
      expect(await r.findDatasets('raw', { collections: ['picked'] })).toEqual([]);
    }),
  );

  it(
    'reports incomplete data IDs and unknown dimensions as RegistryErrors',
    withRepo(async (b) => {
      const r = b.registry;
      await r.registerDatasetType(raw);
      await r.registerRun('r');
      await expect(
        r.insertDatasets('raw', 'r', [{ dataId: { instrument: 'ToyCam', exposure: 100 } }]),
      ).rejects.toThrow(/no value for "detector"/);
      await expect(r.insertDatasets('raw', 'nope', [])).rejects.toThrow(/Run "nope" does not exist/);
      await expect(r.queryDataIds(['visitt'])).rejects.toThrow(/did you mean "visit"/);
      await expect(r.queryDataIds(['visit'], { datasets: ['raw'] })).rejects.toThrow(/needs collections/);
    }),
  );

  it('refuses to open a registry with a newer schema version, saying what to do', async () => {
    const b = await make();
    await b.registry.db.run("UPDATE quanta_meta SET value = '99' WHERE key = 'schema_version'");
    await b.close();
    await expect(openButler(b.root)).rejects.toThrow(
      /schema version 99, but this quanta understands versions up to 1: upgrade quanta/,
    );
  });
}
