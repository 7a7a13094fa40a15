/**
 * Import of daf_butler export files written here, in code: every tag, the format versions, the
 * older-universe migrations, PyYAML's reading of plain scalars, and the reports (file:line) of
 * what cannot be imported.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeSphgeom } from '../../src/butler/import-values.js';
import { importExport } from '../../src/butler/import.js';
import type { Butler } from '../../src/butler/index.js';
import { createButler, openButler, SQLITE_FILE } from '../../src/butler/index.js';
import { migrate } from '../../src/butler/registry/schema.js';
import { SqliteDb } from '../../src/butler/registry/sqlite-db.js';
import { loadUniverse } from '../../src/butler/universe.js';
import { toVector } from '../../src/butler/region.js';
import { exportYaml } from './files.js';

/** sphgeom's ConvexPolygon encoding: 'p' + unit vectors as little-endian float64. */
function encode(vertices: [number, number][], type = 0x70): Buffer {
  const buf = Buffer.alloc(1 + 24 * vertices.length);
  buf[0] = type;
  vertices.forEach(([ra, dec], i) =>
    toVector(ra, dec).forEach((x, k) => buf.writeDoubleLE(x, 1 + 24 * i + 8 * k)),
  );
  return buf;
}

const SQUARE: [number, number][] = [
  [320, -0.5],
  [321, -0.5],
  [321, 0.5],
  [320, 0.5],
];

const HEAD = `description: Butler Data Repository Export
version: 1.0.2
universe_version: 7
universe_namespace: daf_butler
data:
- type: dimension
  element: instrument
  records:
  - {name: HSC, visit_max: 21474800, visit_system: 0, exposure_max: 21474800, detector_max: 200, class_name: lsst.obs.subaru.HyperSuprimeCam}
- type: dimension
  element: physical_filter
  records:
  - {instrument: HSC, name: HSC-R, band: r}
  - {instrument: HSC, name: HSC-Y, band: y}
- type: dimension
  element: day_obs
  records:
  - {instrument: HSC, id: 20130617}
`;

const open: Butler[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

async function load(text: string, opts: { strict?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-import-'));
  const file = join(dir, 'export.yaml');
  writeFileSync(file, text);
  const b = await createButler(join(dir, 'repo'));
  open.push(b);
  const report = await importExport(b, file, opts);
  return { b, file, report, dir };
}

const times = async (b: Butler, element: string) =>
  (await b.registry.queryDimensionRecords(element)).map((r) => [r.timespan_begin, r.timespan_end]);

describe('sphgeom regions', () => {
  it('decodes ConvexPolygons from hex and base64, and refuses other region types', () => {
    for (const enc of [encode(SQUARE).toString('hex'), encode(SQUARE).toString('base64')]) {
      const r = decodeSphgeom(enc)!;
      expect(r.vertices.map(([a, d]) => [Number(a.toFixed(9)), Number(d.toFixed(9))])).toEqual(SQUARE);
    }
    expect(decodeSphgeom('63ff')).toBeUndefined();
    expect(decodeSphgeom(encode(SQUARE, 0x63).toString('hex'))).toBeUndefined();
  });
});

describe('export format versions', () => {
  const withVersion = (v: string) => HEAD.replace('version: 1.0.2', v);
  it.each(['version: 0', 'version: 1.0.0', "version: '1.0.2'", "version: '1.0.1'"])('reads %s', async (v) => {
    const { report } = await load(withVersion(v));
    expect(report.dimensions).toMatchObject({ instrument: 1, physical_filter: 2, day_obs: 1 });
  });
  it.each([
    ['version: 1.1.0', /newer than 1\.0\.2/],
    ['version: 2.0.0', /another major version/],
    ['version: one', /not MAJOR\.MINOR\.PATCH/],
  ])('refuses %s naming the key', async (v, message) => {
    await expect(load(withVersion(v))).rejects.toMatchObject({
      code: 'IMPORT_VERSION',
      location: { key: 'version' },
      message: expect.stringMatching(message),
    });
  });
  it('names line and column of a YAML error', async () => {
    await expect(load(`${HEAD}- type: dimension\n  element: [oops\n`)).rejects.toMatchObject({
      code: 'IMPORT_YAML',
      message: expect.stringMatching(/export\.yaml:2\d:\d+: not valid YAML/),
    });
  });
});

describe('tags and values', () => {
  it('reads TAI times as TAI (35 s in 2013, 37 s after 2016), in every scale and format', async () => {
    const { b, report } = await load(`${HEAD}- type: dimension
  element: exposure
  records:
  - instrument: HSC
    id: 1
    obs_id: a
    physical_filter: HSC-R
    day_obs: 20130617
    group: '1'
    datetime_begin: !butler_time/tai/iso '2013-06-17 13:36:12.123456789'
    datetime_end: !butler_time/tai/isot '2017-01-01T00:00:37.000'
  - {instrument: HSC, id: 2, obs_id: b, physical_filter: HSC-R, day_obs: 20130617, group: '2',
     datetime_begin: !butler_time/utc/iso '2013-06-17 13:35:37.123', datetime_end: !butler_time/tt/iso '2013-06-17 13:36:44.307'}
  - {instrument: HSC, id: 3, obs_id: c, physical_filter: HSC-R, day_obs: 20130617, group: '3',
     datetime_begin: !butler_time/tai/mjd '56460.5', datetime_end: !butler_time/tai/nsec '1371476207000000000'}
  - {instrument: HSC, id: 4, obs_id: d, physical_filter: HSC-R, day_obs: 20130617, group: '4',
     datetime_begin: !butler_time/utc/jd '2456461.0', datetime_end: !butler_time/utc/unix '1371475800.5'}
  - {instrument: HSC, id: 5, obs_id: e, physical_filter: HSC-R, day_obs: 20130617, group: '5',
     datetime_begin: 2013-06-17 13:35:37.123000, datetime_end: !lsst.daf.butler.Timespan EMPTY}
- type: dimension
  element: group
  records: [{instrument: HSC, name: '1'}, {instrument: HSC, name: '2'}, {instrument: HSC, name: '3'}, {instrument: HSC, name: '4'}, {instrument: HSC, name: '5'}]
`);
    expect(await times(b, 'exposure')).toEqual([
      ['2013-06-17T13:35:37.123Z', '2017-01-01T00:00:00.000Z'],
      ['2013-06-17T13:35:37.123Z', '2013-06-17T13:35:37.123Z'],
      ['2013-06-17T11:59:25.000Z', '2013-06-17T13:36:12.000Z'],
      ['2013-06-17T12:00:00.000Z', '2013-06-17T13:30:00.500Z'],
      ['2013-06-17T13:35:37.123Z', null],
    ]);
    expect(report.warnings.join('\n')).toMatch(
      /export\.yaml:\d+: field "datetime_end" of element "exposure": .*not a time/,
    );
  });

  it('reports an unknown time scale with the line of the field', async () => {
    const { report } = await load(`${HEAD}- type: dimension
  element: day_obs
  records:
  - instrument: HSC
    id: 20130618
    datetime_begin: !butler_time/tcb/iso '2013-06-18 00:00:00'
`);
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /export\.yaml:24: field "datetime_begin" of element "day_obs": unknown time scale "tcb"/,
      ),
    ]);
  });

  it('keeps !!binary hashes as hex, !uuid ids in lower case, integer ids as daf_butler UUIDs', async () => {
    const { b } = await load(`${HEAD}- type: dimension
  element: skymap
  records:
  - name: rings
    hash: !!binary |
      4p/p8QCONZ82o2d+fWnMQ5N20eY=
    tract_max: 10
    patch_nx_max: 9
    patch_ny_max: 9
- type: run
  name: HSC/raw
- type: dataset_type
  name: ref_cat
  dimensions: [instrument]
  storage_class: SimpleCatalog
  is_calibration: false
- type: dataset
  dataset_type: ref_cat
  run: HSC/raw
  records:
  - {dataset_id: [!uuid '6B9A5F2E-4BD0-4B41-9A8E-0A7B3F9C6C11'], data_id: [{instrument: HSC}], path: a.fits}
- type: run
  name: HSC/old
- type: dataset
  dataset_type: ref_cat
  run: HSC/old
  records:
  - {dataset_id: 42, data_id: {instrument: HSC}, path: b.fits}
`);
    expect((await b.registry.queryDimensionRecords('skymap'))[0].hash).toBe(
      'e29fe9f1008e359f36a3677e7d69cc439376d1e6',
    );
    const ids = (await b.registry.findDatasets('ref_cat', { collections: ['HSC/raw', 'HSC/old'] })).map(
      (r) => r.id,
    );
    expect(ids).toEqual(['6b9a5f2e-4bd0-4b41-9a8e-0a7b3f9c6c11']);
    const old = await b.registry.findDatasets('ref_cat', { collections: ['HSC/old'] });
    expect(old.map((r) => r.id)).toEqual(['45ee6266-703a-302c-831c-39c1f9d70786']);
  });

  it('decodes ConvexPolygon regions and reports the region types quanta cannot store', async () => {
    const { b, report } = await load(`${HEAD}- type: dimension
  element: visit
  records:
  - instrument: HSC
    id: 1
    name: one
    physical_filter: HSC-R
    day_obs: 20130617
    region: !<lsst.sphgeom.ConvexPolygon>
      encoded: ${encode(SQUARE).toString('hex')}
  - instrument: HSC
    id: 2
    name: two
    physical_filter: HSC-R
    day_obs: 20130617
    region: !<lsst.sphgeom.Circle> {encoded: ${encode(SQUARE, 0x63).toString('hex')}}
`);
    const [v1, v2] = await b.registry.queryDimensionRecords('visit');
    expect((v1.region as { vertices: number[][] }).vertices[0].map((x) => Number(x.toFixed(6)))).toEqual([
      320, -0.5,
    ]);
    expect(v2.region).toBeNull();
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /export\.yaml:34: field "region" of element "visit": the region is a Circle, which quanta cannot store/,
      ),
    ]);
  });

  it('reads plain scalars as PyYAML does: 08 and y are strings, 010 is octal, 1_08 is 108', async () => {
    const { b } = await load(`${HEAD}- type: dimension
  element: detector
  records:
  - {instrument: HSC, id: 010, full_name: 1_08, raft: y, name_in_raft: 08, purpose: SCIENCE}
`);
    expect(await b.registry.queryDimensionRecords('detector')).toEqual([
      expect.objectContaining({ id: 8, full_name: '108', raft: 'y', name_in_raft: '08' }),
    ]);
    expect((await b.registry.queryDimensionRecords('physical_filter')).map((f) => f.band)).toEqual([
      'r',
      'y',
    ]);
  });
});

describe('reports of what is not imported', () => {
  const text = `${HEAD}- type: dimension
  element: exposure
  records:
  - instrument: HSC
    id: 903334
    physical_filter: HSC-R
    obs_id: HSCA90333400
    day_obs: 20130617
    group: '903334'
    pressure: 12.5
- type: dimension
  element: toaster
  records:
  - {instrument: HSC, id: 1}
- type: mystery
  name: x
- type: dimension
  element: group
  records:
  - {instrument: HSC, name: '903334', colour: !shiny blue}
`;
  it('names file:line for unknown elements, fields, entry types and tags, and imports the rest', async () => {
    const { b, report } = await load(text);
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /export\.yaml:28: field "pressure" of element "exposure" is not in the quanta universe; it was not imported \(1 record\)/,
      ),
      expect.stringMatching(
        /export\.yaml:30: element "toaster" is not in the quanta universe; its 1 records were not imported/,
      ),
      expect.stringMatching(
        /export\.yaml:38: field "colour" of element "group" is not in the quanta universe/,
      ),
      expect.stringMatching(/export\.yaml:33: entry type "mystery" is not supported/),
    ]);
    expect(await b.registry.queryDimensionRecords('exposure')).toHaveLength(1);
  });
  it('fails under --strict, importing nothing', async () => {
    await expect(load(text, { strict: true })).rejects.toMatchObject({
      code: 'IMPORT_UNKNOWN',
      message: expect.stringMatching(/toaster.*Import without --strict/s),
    });
  });
});

describe('older universes, migrated as daf_butler migrates them', () => {
  it('universe 0: visit.visit_system -> membership, seeing dropped, day_obs from the TAI start date', async () => {
    const { b, report } = await load(`description: Butler Data Repository Export
version: 0
data:
- type: dimension
  element: instrument
  records:
  - {name: HSC, visit_max: 100, exposure_max: 100, detector_max: 200, class_name: lsst.obs.subaru.HyperSuprimeCam}
- type: dimension
  element: physical_filter
  records:
  - {instrument: HSC, name: HSC-G, band: g}
- type: dimension
  element: visit_system
  records:
  - {instrument: HSC, id: 0, name: one-to-one}
- type: dimension
  element: visit
  records:
  - instrument: HSC
    id: 11690
    physical_filter: HSC-G
    visit_system: 0
    name: HSCA01169000
    day_obs: 20141117
    seeing: null
    datetime_begin: 2014-11-18 23:59:50.000000
    datetime_end: 2014-11-19 00:01:49.092000
- type: dataset_type
  name: calexp
  dimensions: [instrument, visit, visit_system, detector]
  storage_class: ExposureF
`);
    expect(report.warnings).toEqual([
      expect.stringMatching(/universe 0 < 2: 1 visit\.visit_system/),
      expect.stringMatching(/universe 0 < 6: 1 day_obs records/),
    ]);
    // 23:59:50 UTC is 00:00:25 TAI the next day: daf_butler takes the TAI date
    expect(await b.registry.queryDimensionRecords('visit')).toEqual([
      expect.objectContaining({ id: 11690, day_obs: 20141119, timespan_begin: '2014-11-18T23:59:50.000Z' }),
    ]);
    expect(await b.registry.queryDimensionRecords('visit_system_membership')).toEqual([
      { instrument: 'HSC', visit: 11690, visit_system: 0 },
    ]);
    expect(await b.registry.queryDimensionRecords('day_obs')).toEqual([
      { instrument: 'HSC', id: 20141119, timespan_begin: null, timespan_end: null },
    ]);
    expect((await b.registry.getDatasetType('calexp')).dimensions).toEqual([
      'instrument',
      'detector',
      'visit',
    ]);
  });

  it('universe 5: exposure.group_name -> group (with its record), group_id dropped, day_obs records made', async () => {
    const { b } = await load(`description: Butler Data Repository Export
version: 1.0.2
universe_version: 5
universe_namespace: daf_butler
data:
- type: dimension
  element: instrument
  records:
  - {name: HSC, visit_max: 100, exposure_max: 100, detector_max: 200, class_name: x.Y}
- type: dimension
  element: physical_filter
  records:
  - {instrument: HSC, name: HSC-G, band: g}
- type: dimension
  element: exposure
  records:
  - {instrument: HSC, id: 7, obs_id: a, physical_filter: HSC-G, day_obs: 20141118, group_name: '7', group_id: 7}
  - {instrument: HSC, id: 8, obs_id: b, physical_filter: HSC-G, day_obs: 20141119, group_name: '7', group_id: 7}
- type: collection
  collection_type: CHAINED
  name: HSC/defaults
  children: [[HSC/raw, null]]
- type: collection
  collection_type: RUN
  name: HSC/raw
  host: null
  timespan_begin: null
  timespan_end: null
`);
    expect(
      (await b.registry.queryDimensionRecords('exposure')).map((x) => [x.id, x.group, x.day_obs]),
    ).toEqual([
      [7, '7', 20141118],
      [8, '7', 20141119],
    ]);
    expect(await b.registry.queryDimensionRecords('group')).toEqual([{ instrument: 'HSC', name: '7' }]);
    expect((await b.registry.queryDimensionRecords('day_obs')).map((d) => d.id)).toEqual([
      20141118, 20141119,
    ]);
    expect(await b.registry.getCollectionChain('HSC/defaults')).toEqual(['HSC/raw']);
  });

  it('universe 7 files are taken as they are (no migration)', async () => {
    const { b, report } = await load(`${HEAD}- type: dimension
  element: exposure
  records:
  - {instrument: HSC, id: 7, obs_id: a, physical_filter: HSC-R, day_obs: 20130617, group: g}
`);
    expect(report.warnings).toEqual([]);
    expect(await b.registry.queryDimensionRecords('group')).toEqual([]);
  });
});

describe('collections and datasets', () => {
  it('imports chains, tagged associations and datasets found through the chain; again is a no-op', async () => {
    const { b, file, report } = await load(`${HEAD}- type: dimension
  element: detector
  records:
  - {instrument: HSC, id: 50, full_name: '1_53', raft: '1', name_in_raft: '53', purpose: SCIENCE}
- type: run
  name: HSC/raw/all
- type: collection
  collection_type: TAGGED
  name: picked
- type: collection
  collection_type: CHAINED
  name: HSC/defaults
  children: [HSC/raw/all]
- type: dataset_type
  name: bias
  dimensions: [instrument, detector]
  storage_class: Exposure
  is_calibration: true
- type: dataset
  dataset_type: bias
  run: HSC/raw/all
  records:
  - dataset_id: [!uuid '6b9a5f2e-4bd0-4b41-9a8e-0a7b3f9c6c11']
    data_id: [{instrument: HSC, detector: 50}]
    path: HSC/bias.fits
- type: associations
  collection: picked
  collection_type: TAGGED
  dataset_ids: [!uuid '6b9a5f2e-4bd0-4b41-9a8e-0a7b3f9c6c11']
`);
    expect(report).toMatchObject({ datasets: 1, datasetTypes: 1, collections: 3 });
    expect(await b.registry.resolveCollections(['HSC/defaults'])).toEqual(['HSC/raw/all']);
    const tagged = await b.registry.findDatasets('bias', { collections: ['picked'] });
    expect(tagged.map((t) => t.id)).toEqual(['6b9a5f2e-4bd0-4b41-9a8e-0a7b3f9c6c11']);
    expect((await importExport(b, file)).datasets).toBe(1);
  });

  it('takes a CALIBRATION collection as TAGGED with its datasets, reporting the dropped validity ranges', async () => {
    const { b, report } = await load(`${HEAD}- type: run
  name: calib/run
- type: collection
  collection_type: CALIBRATION
  name: calib
  doc: the calibrations
- type: dataset_type
  name: bias
  dimensions: [instrument]
  storage_class: Exposure
  is_calibration: true
- type: dataset
  dataset_type: bias
  run: calib/run
  records:
  - {dataset_id: [!uuid '6b9a5f2e-4bd0-4b41-9a8e-0a7b3f9c6c12'], data_id: [{instrument: HSC}], path: bias.fits}
- type: associations
  collection: calib
  collection_type: CALIBRATION
  validity_ranges:
  - timespan: !lsst.daf.butler.Timespan
      begin: !butler_time/tai/iso '2013-01-01 00:00:00.000000000'
      end: null
    dataset_ids: [!uuid '6b9a5f2e-4bd0-4b41-9a8e-0a7b3f9c6c12']
`);
    expect(report.warnings).toEqual([
      expect.stringMatching(/export\.yaml:21: collection "calib": doc not kept by quanta/),
      expect.stringMatching(
        /export\.yaml:21: CALIBRATION collection "calib" is not supported; registered as TAGGED/,
      ),
      expect.stringMatching(
        /export\.yaml:35: validity ranges of CALIBRATION collection "calib" are not kept/,
      ),
    ]);
    const refs = await b.registry.findDatasets('bias', { collections: ['calib'] });
    expect(refs.map((r) => r.id)).toEqual(['6b9a5f2e-4bd0-4b41-9a8e-0a7b3f9c6c12']);
  });

  it('imports the bench-shaped export with datasets found through the chain', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-import-'));
    const b = await createButler(join(dir, 'repo'));
    open.push(b);
    await importExport(b, exportYaml(dir, { visits: 4, detectors: 3 }));
    expect(
      await b.registry.queryDataIds(['visit', 'detector'], {
        where: "instrument = 'ToyCam' and visit in (1000, 1003)",
      }),
    ).toHaveLength(6);
    expect(
      await b.registry.findDatasets('raw', {
        collections: ['ToyCam/defaults'],
        where: "instrument = 'ToyCam' and detector = 2",
      }),
    ).toHaveLength(4);
  });
});

describe('repositories made with an older quanta universe', () => {
  it('get the new elements and fields when opened, keeping their rows, and then import them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-import-'));
    const root = join(dir, 'repo');
    await (await createButler(root)).close();
    // the registry again, made with quanta's universe before group, visit_system and skypix
    const current = readFileSync(new URL('../../src/butler/universe.yaml', import.meta.url), 'utf8');
    const oldYaml = current
      .replace('version: 8', 'version: 7')
      .replace(/^skypix:[\s\S]*?(?=^elements:)/m, '')
      .replace(/^ {2}(group|visit_system|visit_system_membership|subfilter|ssp_\w+):\n(?: {4}.*\n)*/gm, '')
      .replace(/^ {6}- \{ name: (seq_start|seq_end|azimuth|has_simulated|can_see_sky|seq_num), .*\n/gm, '');
    writeFileSync(join(dir, 'universe7.yaml'), oldYaml);
    const u7 = loadUniverse(join(dir, 'universe7.yaml'));
    expect([...u7.elements.keys()].filter((e) => /group|visit_system|htm|subfilter/.test(e))).toEqual([]);
    rmSync(join(root, SQLITE_FILE));
    const db = new SqliteDb(join(root, SQLITE_FILE));
    await migrate(db, u7, root);
    await db.run("INSERT INTO dim_instrument (name) VALUES ('HSC')");
    await db.close();

    const b = await openButler(root);
    open.push(b);
    expect(await b.registry.queryDimensionRecords('instrument')).toEqual([
      expect.objectContaining({ name: 'HSC' }),
    ]);
    const file = join(dir, 'lsstcam-like.yaml');
    writeFileSync(
      file,
      `${HEAD.replace(/- type: dimension\n {2}element: instrument\n {2}records:\n.*\n/, '')}- type: dimension
  element: group
  records: [{instrument: HSC, name: g}]
- type: dimension
  element: visit_system
  records: [{instrument: HSC, id: 0, name: one-to-one}]
- type: dimension
  element: exposure
  records:
  - {instrument: HSC, id: 1, obs_id: a, physical_filter: HSC-R, day_obs: 20130617, group: g, azimuth: 12.5, can_see_sky: true}
- type: dataset_type
  name: raw
  dimensions: [instrument, exposure, detector, group]
  storage_class: Exposure
`,
    );
    const report = await importExport(b, file, { strict: true });
    expect(report.dimensions).toMatchObject({ group: 1, visit_system: 1, exposure: 1 });
    expect(await b.registry.queryDimensionRecords('exposure')).toEqual([
      expect.objectContaining({ group: 'g', azimuth: 12.5, can_see_sky: true }),
    ]);
    expect((await b.registry.getDatasetType('raw')).dimensions).toEqual([
      'instrument',
      'detector',
      'exposure',
    ]);
  }, 30_000);
});
