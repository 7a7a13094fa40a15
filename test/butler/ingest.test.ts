import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFits } from '../../src/butler/datastore/index.js';
import { defineVisits } from '../../src/butler/define-visits.js';
import { createButler } from '../../src/butler/index.js';
import { dayObsOf, ingestRaws } from '../../src/butler/ingest.js';
import { registerInstrument } from '../../src/butler/instrument.js';
import { instrumentYaml } from './files.js';

function raw(
  dir: string,
  exposure: number,
  detector: number,
  extra: Record<string, string | number> = {},
): string {
  const header: Record<string, string | number> = {
    INSTRUME: 'ToyCam',
    EXPID: exposure,
    DETECTOR: detector,
    FILTER: 'toy-g',
    'DATE-OBS': '2024-03-01T04:00:00',
    EXPTIME: 30,
    RA: 150.1,
    DEC: 2.2,
    ROTANGLE: 0,
    OBSTYPE: 'SCIENCE',
    OBJECT: 'COSMOS',
    ...extra,
  };
  const file = join(dir, `raw_${exposure}_${detector}.fits`);
  const bytes = writeFits([
    {
      axes: [8, 8],
      data: new Float32Array(64),
      cards: Object.entries(header).map(([key, value]) => ({ key, value })),
    },
  ]);
  writeFileSync(file, bytes);
  return file;
}

describe('ingest of FITS raws', () => {
  it('creates exposures from headers, copies the files into the run and lets define-visits use the pointing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-ingest-'));
    const b = await createButler(join(dir, 'repo'));
    try {
      await registerInstrument(b, instrumentYaml(dir));
      const files = [raw(dir, 7, 0), raw(dir, 7, 1), raw(dir, 8, 0, { OBSTYPE: 'flat' })];
      const refs = await ingestRaws(b, files, { run: 'ToyCam/raw/all' });
      expect(refs).toHaveLength(3);
      for (const r of refs) expect(existsSync(b.datastore.absolute(r.path!))).toBe(true);
      const [e7] = await b.registry.queryDimensionRecords('exposure', {
        dataId: { instrument: 'ToyCam', exposure: 7 },
      });
      expect(e7).toMatchObject({
        obs_id: 'ToyCam_7',
        physical_filter: 'toy-g',
        day_obs: 20240229,
        observation_type: 'science',
        tracking_ra: 150.1,
        tracking_dec: 2.2,
        target_name: 'COSMOS',
        timespan_begin: '2024-03-01T04:00:00.000Z',
        timespan_end: '2024-03-01T04:00:30.000Z',
      });
      const found = await b.registry.findDatasets('raw', {
        collections: ['ToyCam/raw/all'],
        where: "exposure.observation_type = 'science'",
      });
      expect(found.map((f) => f.dataId.detector)).toEqual([0, 1]);
      expect(found[0].dataId).toMatchObject({ band: 'g', physical_filter: 'toy-g', day_obs: 20240229 });
      expect(found[0].path).toMatch(/\/g\//); // the default template's {band}
      expect(await defineVisits(b, 'ToyCam')).toEqual({ visits: 1, visitDetectorRegions: 4, skipped: 1 });
      // re-ingesting the same files into the same run is a duplicate
      await expect(ingestRaws(b, files.slice(0, 1), { run: 'ToyCam/raw/all' })).rejects.toThrow(
        /already has a "raw" dataset/,
      );
      const bad = raw(dir, 9, 0, {});
      writeFileSync(
        bad,
        writeFits([
          { axes: [2, 2], data: new Float32Array(4), cards: [{ key: 'INSTRUME', value: 'ToyCam' }] },
        ]),
      );
      await expect(ingestRaws(b, [bad], { run: 'x' })).rejects.toMatchObject({
        message: expect.stringMatching(/no exposure id \(keyword EXPID or EXPOSURE\)/),
        location: { file: bad },
      });
    } finally {
      await b.close();
    }
  });

  it('computes the observing day as the date 12 hours earlier', () => {
    expect(dayObsOf('2024-03-01T04:00:00Z')).toBe(20240229);
    expect(dayObsOf('2024-03-01T13:00:00Z')).toBe(20240301);
  });
});
