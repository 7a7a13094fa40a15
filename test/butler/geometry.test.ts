import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineVisits } from '../../src/butler/define-visits.js';
import { createButler, regionsOverlap } from '../../src/butler/index.js';
import type { Butler, Region } from '../../src/butler/index.js';
import { registerInstrument } from '../../src/butler/instrument.js';
import { regionContains } from '../../src/butler/region.js';
import { registerSkymap } from '../../src/butler/skymap.js';
import { instrumentYaml, skymapYaml } from './files.js';

const box = (ra: number, dec: number, h: number): Region => ({
  vertices: [
    [ra - h, dec - h],
    [ra + h, dec - h],
    [ra + h, dec + h],
    [ra - h, dec + h],
  ],
});

describe('regions', () => {
  it('decides overlap of convex polygons, also across ra = 0', () => {
    expect(regionsOverlap(box(10, 0, 1), box(11.5, 0.5, 1))).toBe(true);
    expect(regionsOverlap(box(10, 0, 1), box(12.5, 0, 0.4))).toBe(false);
    expect(regionsOverlap(box(0.2, 0, 0.5), box(359.9, 0.1, 0.5))).toBe(true);
    expect(regionsOverlap(box(10, 0, 1), box(10, 0, 0.1))).toBe(true); // containment
    // a cross: neither contains a vertex of the other
    const wide: Region = {
      vertices: [
        [9, -0.1],
        [11, -0.1],
        [11, 0.1],
        [9, 0.1],
      ],
    };
    const tall: Region = {
      vertices: [
        [9.9, -1],
        [10.1, -1],
        [10.1, 1],
        [9.9, 1],
      ],
    };
    expect(regionsOverlap(wide, tall)).toBe(true);
    const diag: Region = {
      vertices: [
        [12, 2],
        [13, 2],
        [12.5, 3],
      ],
    };
    expect(regionsOverlap(wide, diag)).toBe(false);
  });
});

async function repo(): Promise<{ b: Butler; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-geo-'));
  return { b: await createButler(join(dir, 'repo')), dir };
}

describe('instrument, skymap and define-visits', () => {
  it('defines visits whose detector regions tile the pointing and overlap the right patches', async () => {
    const { b, dir } = await repo();
    try {
      const spec = await registerInstrument(b, instrumentYaml(dir));
      expect(spec.detectors).toHaveLength(4);
      // registering again is a no-op; a changed definition is a conflict
      await registerInstrument(b, instrumentYaml(dir));
      expect((await b.registry.queryDimensionRecords('detector')).map((d) => d.full_name)).toEqual([
        'R00_S00',
        'R00_S01',
        'R00_S10',
        'R00_S11',
      ]);
      const sky = await registerSkymap(b, skymapYaml(dir));
      expect(sky).toEqual({ name: 'toy_skymap', tracts: 2, patches: 32 });
      await b.registry.insertDimensionRecords('day_obs', [{ instrument: 'ToyCam', id: 20240101 }]);
      await b.registry.insertDimensionRecords('exposure', [
        {
          instrument: 'ToyCam',
          id: 1,
          obs_id: 'e1',
          physical_filter: 'toy-g',
          day_obs: 20240101,
          observation_type: 'science',
          tracking_ra: 10,
          tracking_dec: 0,
          sky_angle: 0,
        },
        {
          instrument: 'ToyCam',
          id: 2,
          obs_id: 'e2',
          physical_filter: 'toy-r',
          day_obs: 20240101,
          observation_type: 'science',
          tracking_ra: 10.05,
          tracking_dec: 0.05,
          sky_angle: 45,
        },
        {
          instrument: 'ToyCam',
          id: 3,
          obs_id: 'f3',
          physical_filter: 'toy-r',
          day_obs: 20240101,
          observation_type: 'flat',
        },
      ]);
      expect(await defineVisits(b, 'ToyCam')).toEqual({ visits: 2, visitDetectorRegions: 8, skipped: 1 });
      // idempotent: already-defined exposures are skipped
      expect((await defineVisits(b, 'ToyCam')).visits).toBe(0);
      const ids = await b.registry.queryDataIds(['visit', 'detector']);
      expect(ids).toHaveLength(8);
      const vdr = await b.registry.queryDimensionRecords('visit_detector_region', {
        dataId: { instrument: 'ToyCam', visit: 1 },
      });
      const regions = new Map(vdr.map((r) => [r.detector as number, r.region as Region]));
      // detector 0 is south-west of the pointing, detector 3 north-east
      expect(regionContains(regions.get(0)!, 9.95, -0.05)).toBe(true);
      expect(regionContains(regions.get(3)!, 10.05, 0.05)).toBe(true);
      expect(regionContains(regions.get(3)!, 9.95, -0.05)).toBe(false);
      const [visit] = await b.registry.queryDimensionRecords('visit', {
        dataId: { instrument: 'ToyCam', visit: 1 },
      });
      expect(visit).toMatchObject({ name: 'e1', physical_filter: 'toy-g' });
      expect(regionContains(visit.region as Region, 10.1, 0.1)).toBe(true);
      // tract 0 is centred on (10, 0); detector 0 covers its south-west quarter (2x2 patches of
      // 0.056 deg) and, through the 50-pixel patch borders, touches the next row and column
      const patches = await b.registry.queryDimensionRecords('patch', {
        dataId: { skymap: 'toy_skymap', tract: 0 },
      });
      expect(patches).toHaveLength(16);
      const hit = patches.filter((p) => regionsOverlap(p.region as Region, regions.get(0)!)).map((p) => p.id);
      expect(hit).toEqual([0, 1, 2, 4, 5, 6, 8, 9, 10]);
      writeFileSync(
        join(dir, 'bad.yaml'),
        'name: ToyCam\ndetectors: []\nphysical_filters: [{name: g, band: g}]\n',
      );
      await expect(registerInstrument(b, join(dir, 'bad.yaml'))).rejects.toMatchObject({
        message: expect.stringMatching(/instrument key "detectors"/),
        location: { file: join(dir, 'bad.yaml'), line: 2, key: 'detectors' },
      });
    } finally {
      await b.close();
    }
  });

  it('refuses define-visits for an unregistered instrument and exposures without pointing', async () => {
    const { b, dir } = await repo();
    try {
      await expect(defineVisits(b, 'NoCam')).rejects.toThrow(/Instrument "NoCam" is not registered/);
      await registerInstrument(b, instrumentYaml(dir));
      await b.registry.insertDimensionRecords('day_obs', [{ instrument: 'ToyCam', id: 1 }]);
      await b.registry.insertDimensionRecords('exposure', [
        { instrument: 'ToyCam', id: 7, physical_filter: 'toy-g', day_obs: 1 },
      ]);
      await expect(defineVisits(b, 'ToyCam')).rejects.toThrow(/Exposure 7 of ToyCam has no tracking_ra/);
    } finally {
      await b.close();
    }
  });
});
