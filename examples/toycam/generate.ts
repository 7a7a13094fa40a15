/**
 * The ToyCam data generator: a seeded sky, a reference catalog, master bias and flat per
 * detector, and one raw FITS file per (visit, detector) with real headers (INSTRUME, EXPID,
 * DETECTOR, FILTER, DATE-OBS, MJD-OBS, EXPTIME, RA/DEC, IMAGETYP and a TAN WCS with a small
 * pointing error, which calibrate then fixes).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exposureToFits } from '../../src/butler/formatters/exposure.js';
import { defaultGeometry, detectorOrigin, detectorWcs, TOYCAM } from './lib/camera.js';
import type { Plane } from './lib/image.js';
import { biasPattern, flatPattern, makeMasterBias, makeMasterFlat, makeRaw } from './lib/raw.js';
import { hashSeed, makeRng } from './lib/rng.js';
import { BANDS, makeRefCatalog, makeSky, type Band, type RefCatalog, type SkyObject } from './lib/sky.js';
import { FIELD, fieldHalfWidth, planVisits, type VisitPlan } from './lib/survey.js';
import { wcsToHeader } from './lib/wcs.js';

export interface GenerateOptions {
  dir: string;
  visits: number;
  detectors: number;
  seed?: number;
  /** stars per square arcminute */
  starDensity?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface Calib {
  datasetType: 'bias' | 'flat';
  detector: number;
  physicalFilter?: string;
  plane: Plane;
}

export interface Survey {
  visits: VisitPlan[];
  rawFiles: string[];
  calibs: Calib[];
  sky: SkyObject[];
  ref: RefCatalog;
}

export function generateSurvey(o: GenerateOptions): Survey {
  const seed = o.seed ?? 2026;
  const g = defaultGeometry();
  const nDet = Math.min(o.detectors, g.side * g.side);
  const half = fieldHalfWidth() + 60 / 3600;
  const areaArcmin2 = (2 * half * 60) ** 2;
  const nStars = Math.round((o.starDensity ?? 8) * areaArcmin2);
  const sky = makeSky({
    seed,
    ra: FIELD.ra,
    dec: FIELD.dec,
    halfWidth: half,
    nStars,
    nGalaxies: Math.round(nStars / 8),
  });
  const ref = makeRefCatalog(sky, seed + 1);
  const visits = planVisits(o.visits, seed);
  const rawDir = join(o.dir, 'raw');
  mkdirSync(rawDir, { recursive: true });
  const fieldHalfPix = (g.side * (g.size + g.gap)) / 2;
  const biases: Plane[] = [];
  const flats = new Map<string, Plane>();
  const calibs: Calib[] = [];
  for (let d = 0; d < nDet; d++) {
    biases[d] = biasPattern(g.size, g.size, d, seed);
    calibs.push({
      datasetType: 'bias',
      detector: d,
      plane: makeMasterBias(biases[d], hashSeed(seed, 11, d)),
    });
    for (const b of BANDS) {
      const f = flatPattern(g.size, g.size, d, b, seed, detectorOrigin(g, d), fieldHalfPix);
      flats.set(`${d}/${b}`, f);
      calibs.push({
        datasetType: 'flat',
        detector: d,
        physicalFilter: `${b}_toy`,
        plane: makeMasterFlat(f, hashSeed(seed, 12, d)),
      });
    }
  }
  const rawFiles: string[] = [];
  const total = visits.length * nDet;
  for (const v of visits) {
    const rng = makeRng(hashSeed(seed, 41, v.id));
    // the telescope reports its pointing with ~1" errors; calibrate fits the truth back
    const errRa = (rng.normal() * 1.0) / 3600;
    const errDec = (rng.normal() * 1.0) / 3600;
    for (let d = 0; d < nDet; d++) {
      const trueWcs = detectorWcs(g, d, v.ra, v.dec);
      const headerWcs = detectorWcs(g, d, v.ra + errRa, v.dec + errDec);
      const { raw } = makeRaw({
        width: g.size,
        height: g.size,
        wcs: trueWcs,
        band: v.band as Band,
        exptime: v.exptime,
        psfSigma: v.psfSigma,
        sky,
        bias: biases[d],
        flat: flats.get(`${d}/${v.band}`)!,
        seed: hashSeed(seed, v.id, d),
      });
      const header = {
        INSTRUME: TOYCAM.name,
        TELESCOP: 'ToyScope',
        EXPID: v.id,
        OBSID: `TC_O_20260110_${String(v.id).padStart(6, '0')}`,
        DETECTOR: d,
        DETNAME: `R00_S${Math.floor(d / g.side)}${d % g.side}`,
        FILTER: `${v.band}_toy`,
        BAND: v.band,
        'DATE-OBS': v.dateObs,
        'MJD-OBS': v.mjd,
        EXPTIME: v.exptime,
        DARKTIME: v.exptime,
        IMAGETYP: 'science',
        OBJECT: 'toycam_field',
        RA: v.ra,
        DEC: v.dec,
        ROTANGLE: 0,
        GAIN: TOYCAM.gain,
        RDNOISE: TOYCAM.readNoise,
        SATURATE: TOYCAM.saturation,
        SEEING: v.psfSigma * 2.3548 * g.pixelScale,
        ...wcsToHeader(headerWcs),
      };
      const file = join(rawDir, `raw_${v.id}_${String(d).padStart(2, '0')}.fits`);
      writeFileSync(file, exposureToFits({ width: g.size, height: g.size, image: raw.image, header }));
      rawFiles.push(file);
      o.onProgress?.(rawFiles.length, total);
    }
  }
  return { visits, rawFiles, calibs, sky, ref };
}
