/** Small synthetic frames for the science tests, built by code from a seed. */
import { TOYCAM } from './camera.js';
import type { MaskedImage, Plane } from './image.js';
import { runIsr } from './isr.js';
import { biasPattern, flatPattern, makeMasterBias, makeMasterFlat, makeRaw } from './raw.js';
import { hashSeed } from './rng.js';
import { makeRefCatalog, makeSky, type Band, type RefCatalog, type SkyObject } from './sky.js';
import { makeTanWcs, type TanWcs } from './wcs.js';

export const RA0 = 150;
export const DEC0 = 2;

export interface Frame {
  raw: Plane;
  post: MaskedImage;
  trueWcs: TanWcs;
  headerWcs: TanWcs;
  sky: SkyObject[];
  ref: RefCatalog;
  band: Band;
  exptime: number;
  psfSigma: number;
  cosmicRays: { x: number; y: number }[];
}

export function makeTestSky(seed = 1, size = 384, scale = 0.4): { sky: SkyObject[]; ref: RefCatalog } {
  const half = ((size / 2) * scale) / 3600;
  const sky = makeSky({
    seed,
    ra: RA0,
    dec: DEC0,
    halfWidth: half * 1.05,
    nStars: 250,
    nGalaxies: 20,
    magMin: 16.5,
    magMax: 22.5,
  });
  return { sky, ref: makeRefCatalog(sky, seed + 1) };
}

/** One processed-to-ISR frame of `size` pixels centred on (RA0, DEC0). */
export function makeFrame(o: {
  seed: number;
  size?: number;
  band?: Band;
  psfSigma?: number;
  ditherPix?: [number, number];
  skyRefs?: { sky: SkyObject[]; ref: RefCatalog };
}): Frame {
  const size = o.size ?? 384;
  const band = o.band ?? 'r';
  const { sky, ref } = o.skyRefs ?? makeTestSky(1, size);
  const d = o.ditherPix ?? [0, 0];
  const trueWcs = makeTanWcs(RA0, DEC0, [size / 2 + 0.5 + d[0], size / 2 + 0.5 + d[1]], 0.4, 0);
  // the header WCS is off by a pointing error of ~1.3 px and a small rotation/scale error
  const headerWcs: TanWcs = {
    crval: trueWcs.crval,
    crpix: [trueWcs.crpix[0] + 1.2, trueWcs.crpix[1] - 0.7],
    cd: [
      [trueWcs.cd[0][0] * 1.0005, trueWcs.cd[0][1] + 2e-8],
      [trueWcs.cd[1][0] - 2e-8, trueWcs.cd[1][1] * 1.0005],
    ],
  };
  const bias = biasPattern(size, size, 0, o.seed);
  const flat = flatPattern(size, size, 0, band, o.seed, [-size / 2, -size / 2], size);
  const psfSigma = o.psfSigma ?? 1.8;
  const { raw, cosmicRays } = makeRaw({
    width: size,
    height: size,
    wcs: trueWcs,
    band,
    exptime: 30,
    psfSigma,
    sky,
    bias,
    flat,
    seed: hashSeed(o.seed, 99),
    cosmicRays: 5,
  });
  const post = runIsr(raw, makeMasterBias(bias, o.seed + 5), makeMasterFlat(flat, o.seed + 6));
  return { raw, post, trueWcs, headerWcs, sky, ref, band, exptime: 30, psfSigma, cosmicRays };
}

export { TOYCAM };
