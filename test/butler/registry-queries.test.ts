/**
 * The registry's query options, as daf_butler has them: a data ID constraint, non-find-first
 * dataset queries, orderBy / limit, the governor rule and the where clause's region constraints;
 * on SQLite and PostgreSQL, over the spatial fixture (Cam1, visits 1-3, detectors 1-4, SkyMap1).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createButler } from '../../src/butler/index.js';
import type { Butler } from '../../src/butler/index.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { RA0, DEC0, fillSpatial } from './spatial-fixture.js';

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'quanta-rq-')), 'repo');
const pairs = (rows: Record<string, unknown>[]): string[] => rows.map((d) => `${d.visit}.${d.detector}`);

function suite(make: () => Promise<Butler>): void {
  let b: Butler;
  beforeAll(async () => {
    b = await make();
    await fillSpatial(b.registry);
    const r = b.registry;
    await r.registerDatasetType({
      name: 'bias',
      dimensions: ['detector'],
      storageClass: 'StructuredDataDict',
    });
    for (const run of ['a', 'b']) await r.registerRun(run);
    await r.insertDatasets(
      'bias',
      'a',
      [1, 2].map((detector) => ({ dataId: { instrument: 'Cam1', detector } })),
    );
    await r.insertDatasets(
      'bias',
      'b',
      [2, 3].map((detector) => ({ dataId: { instrument: 'Cam1', detector } })),
    );
  }, 60_000);
  afterAll(async () => {
    await b?.close();
  });

  it('constrains data IDs, records and datasets by a data ID, joining its dimensions in', async () => {
    const r = b.registry;
    const ids = await r.queryDataIds(['visit', 'detector'], { dataId: { instrument: 'Cam1', detector: 2 } });
    expect(pairs(ids)).toEqual(['1.2', '2.2', '3.2']);
    const dets = await r.queryDimensionRecords('detector', { dataId: { instrument: 'Cam1', visit: 1 } });
    expect(dets.map((d) => d.id)).toEqual([1, 2, 3, 4]);
    const refs = await r.findDatasets('bias', {
      collections: ['a'],
      dataId: { instrument: 'Cam1', detector: 2 },
    });
    expect(refs.map((x) => x.dataId.detector)).toEqual([2]);
  });

  it('type-checks data ID values and refuses unknown keys', async () => {
    const r = b.registry;
    await expect(
      r.queryDataIds(['detector'], { dataId: { instrument: 'Cam1', detector: '2' } }),
    ).rejects.toThrow(/"detector" must be an integer/);
    await expect(
      r.queryDataIds(['detector'], { dataId: { instrument: 'Cam1', detectr: 2 } }),
    ).rejects.toThrow(/not a dimension \(did you mean "detector"\?\)/);
  });

  it('finds every dataset in every collection unless find-first', async () => {
    const r = b.registry;
    const all = await r.findDatasets('bias', { collections: ['a', 'b'], findFirst: false });
    expect(all.map((x) => `${x.run}.${x.dataId.detector}`)).toEqual(['a.1', 'a.2', 'b.2', 'b.3']);
    const first = await r.findDatasets('bias', { collections: ['b', 'a'] });
    expect(first.map((x) => `${x.run}.${x.dataId.detector}`)).toEqual(['a.1', 'b.2', 'b.3']);
  });

  it('orders and limits data IDs and records', async () => {
    const r = b.registry;
    const ids = await r.queryDataIds(['visit', 'detector'], { orderBy: '-detector,visit', limit: 4 });
    expect(pairs(ids)).toEqual(['1.4', '2.4', '3.4', '1.3']);
    expect(Object.keys(ids[0])).not.toContain('__order_0');
    const visits = await r.queryDimensionRecords('visit', { orderBy: ['-visit.id'], limit: 2 });
    expect(visits.map((v) => v.id)).toEqual([3, 2]);
    const named = await r.queryDimensionRecords('detector', { orderBy: '-full_name' });
    expect(named.map((d) => d.full_name)).toEqual(['D4', 'D3', 'D2', 'D1']);
    // a spatial query limits after its exact region test
    const near = await r.queryDataIds(['visit', 'detector'], {
      where: "skymap = 'SkyMap1' AND tract = 0 AND patch IN (0, 1, 2, 3)",
      orderBy: ['visit', '-detector'],
      limit: 2,
    });
    expect(near).toHaveLength(2);
    expect(near[0].visit).toBe(1);
  });

  it('refuses unknown order-by names and fields outside the result', async () => {
    const r = b.registry;
    await expect(r.queryDataIds(['detector'], { orderBy: 'nosuch' })).rejects.toThrow(
      /Cannot order by "nosuch"/,
    );
    await expect(r.queryDimensionRecords('detector', { orderBy: 'visit' })).rejects.toThrow(
      /result's dimensions/,
    );
  });

  it('refuses a where clause that constrains a dimension without its governor', async () => {
    const r = b.registry;
    await expect(r.queryDataIds(['detector'], { where: 'detector = 1' })).rejects.toMatchObject({
      code: 'QUERY_GOVERNOR_UNCONSTRAINED',
      message: expect.stringMatching(/add instrument = '...'/),
    });
    await expect(r.queryDataIds(['visit'], { where: 'tract = 0' })).rejects.toThrow(/depends on skymap/);
    await expect(r.findDatasets('bias', { collections: ['a'], where: "visit.name = 'v1'" })).rejects.toThrow(
      /visit.name/,
    );
    // named anywhere, or in the data ID, or only record fields: accepted as daf_butler does
    expect(
      await r.queryDataIds(['detector'], { where: "instrument IN ('Cam1') AND detector = 1" }),
    ).toHaveLength(1);
    expect(
      await r.queryDataIds(['detector'], { where: 'detector = 1', dataId: { instrument: 'Cam1' } }),
    ).toHaveLength(1);
    expect(
      await r.queryDataIds(['detector'], { where: "detector.full_name != 'x' OR instrument = 'Cam1'" }),
    ).toHaveLength(4);
  });

  it('applies the where clause region constraints', async () => {
    const r = b.registry;
    const point = `POINT(${RA0 + 0.1}, ${DEC0 + 0.1})`;
    expect(
      (await r.queryDataIds(['visit'], { where: `visit.region OVERLAPS ${point}` })).map((d) => d.visit),
    ).toEqual([1]);
    const dets = await r.queryDataIds(['visit', 'detector'], {
      where: `visit_detector_region.region OVERLAPS ${point}`,
    });
    expect(pairs(dets)).toEqual(['1.1']);
    const patches = await r.queryDimensionRecords('patch', {
      where: `skymap = 'SkyMap1' AND patch.region OVERLAPS CIRCLE(${RA0 + 0.25}, ${DEC0 + 0.25}, 0.01)`,
    });
    expect(patches.map((p) => `${p.tract}.${p.id}`)).toEqual(['0.0', '0.1', '0.2', '0.3']);
    const refs = await r.findDatasets('bias', {
      collections: ['a'],
      where: `visit_detector_region.region OVERLAPS ${point}`,
    });
    expect(refs.map((x) => x.dataId.detector)).toEqual([1]);
  });

  it('queries a dimensionless dataset type: a constraint only has to match some data ID', async () => {
    const r = b.registry;
    // one dataset per run, as daf_butler has it (checked there: a where clause on other dimensions
    // keeps it when some data ID matches, and a datasets restriction keeps every data ID)
    await r.registerDatasetType({ name: 'bias_config', dimensions: [], storageClass: 'Config' });
    await r.insertDatasets('bias_config', 'a', [{ dataId: {} }]);
    const find = (opts: Partial<Parameters<typeof r.findDatasets>[1]>) =>
      r.findDatasets('bias_config', { collections: ['b', 'a'], findFirst: false, ...opts });
    const runs = (refs: { run: string; dataId: object }[]) =>
      refs.map((x) => `${x.run} ${JSON.stringify(x.dataId)}`);
    expect(runs(await find({ where: "instrument = 'Cam1' AND detector = 2" }))).toEqual(['a {}']);
    expect(runs(await find({ where: "instrument = 'Cam1' AND detector = 9" }))).toEqual([]);
    expect(runs(await find({ dataId: { instrument: 'Cam1', detector: 2 }, findFirst: true }))).toEqual([
      'a {}',
    ]);
    expect(
      runs(await find({ where: `visit_detector_region.region OVERLAPS POINT(${RA0 + 0.1}, ${DEC0 + 0.1})` })),
    ).toEqual(['a {}']);
    expect(runs(await find({ where: 'visit.region OVERLAPS POINT(0, -80)' }))).toEqual([]);

    const ids = (opts: Parameters<typeof r.queryDataIds>[1], dims = ['detector']) =>
      r.queryDataIds(dims, { where: "instrument = 'Cam1'", ...opts });
    expect((await ids({ datasets: ['bias_config'], collections: ['a'] })).map((d) => d.detector)).toEqual([
      1, 2, 3, 4,
    ]);
    expect(await ids({ datasets: ['bias_config'], collections: ['b'] })).toEqual([]);
    expect(
      (await ids({ datasets: ['bias_config', 'bias'], collections: ['a'] })).map((d) => d.detector),
    ).toEqual([1, 2]);
    // no dimensions at all: one empty data ID when the dataset is there
    expect(await ids({ datasets: ['bias_config'], collections: ['a'], where: '' }, [])).toEqual([{}]);
    expect(await ids({ datasets: ['bias_config'], collections: ['b'], where: '' }, [])).toEqual([]);
  });

  it('lists bands from the physical filters that imply them', async () => {
    expect(await b.registry.queryDataIds(['band'])).toEqual([{ band: 'g' }]);
    expect(await b.registry.queryDimensionRecords('band', { where: "band = 'g'" })).toEqual([{ name: 'g' }]);
    expect(await b.registry.queryDimensionRecords('band', { where: "band = 'r'" })).toEqual([]);
  });
}

describe('registry queries on SQLite', () => suite(() => createButler(tmp())));

const pg = probeService('postgres');
describeWithService('postgres', pg, 'registry queries on PostgreSQL', () =>
  suite(() => createButler(tmp(), { registry: pg.env.QUANTA_PG_URL })),
);
