/**
 * The raw generator: what one detector of ToyCam records in one exposure, in ADU:
 * bias (level + pattern) + (flat x (sky + sources)) with Poisson and read noise, saturation and
 * a few cosmic rays. Calibration products (master bias and flat) come from the same patterns.
 */
import { TOYCAM } from './camera.js';
import { newPlane, type Plane } from './image.js';
import { addGalaxy, addStar } from './render.js';
import { hashSeed, makeRng } from './rng.js';
import type { Band, SkyObject } from './sky.js';
import { skyToPixel, type TanWcs } from './wcs.js';

/** Bias pattern of a detector: a level, a gentle gradient and column-to-column offsets (ADU). */
export function biasPattern(width: number, height: number, detector: number, seed: number): Plane {
  const rng = makeRng(hashSeed(seed, 7001, detector));
  const p = newPlane(width, height);
  const cols = new Float32Array(width);
  for (let x = 0; x < width; x++) cols[x] = 2 * rng.normal();
  const level = TOYCAM.biasLevel + 20 * rng.uniform();
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) p.image[y * width + x] = level + cols[x] + (8 * y) / height;
  return p;
}

/** Flat pattern (relative QE): vignetting across the mosaic, a detector gain and 0.5% pixel noise, mean ~1. */
export function flatPattern(
  width: number,
  height: number,
  detector: number,
  band: Band,
  seed: number,
  origin: [number, number],
  fieldHalfPix: number,
): Plane {
  const rng = makeRng(hashSeed(seed, 7002, detector, band.charCodeAt(0)));
  const p = newPlane(width, height);
  const gain = 1 + 0.03 * rng.normal();
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const fx = (origin[0] + x) / fieldHalfPix;
      const fy = (origin[1] + y) / fieldHalfPix;
      p.image[y * width + x] = gain * (1 - 0.06 * (fx * fx + fy * fy)) * (1 + 0.005 * rng.normal());
    }
  return p;
}

export interface RawSpec {
  width: number;
  height: number;
  /** the true WCS (the header gets a perturbed one) */
  wcs: TanWcs;
  band: Band;
  exptime: number;
  psfSigma: number;
  sky: SkyObject[];
  bias: Plane;
  flat: Plane;
  seed: number;
  cosmicRays?: number;
  /** sky level multiplier (moon, airmass) */
  skyScale?: number;
}

export interface CosmicRayTruth {
  x: number;
  y: number;
}

/** Expected electrons from the sky and all objects, before the flat (noise-free). */
export function renderScene(spec: RawSpec): Plane {
  const { width, height, band, exptime, psfSigma } = spec;
  const scene = newPlane(width, height);
  const skyE = TOYCAM.skyRate[band] * exptime * (spec.skyScale ?? 1);
  scene.image.fill(skyE);
  const scale =
    Math.sqrt(Math.abs(spec.wcs.cd[0][0] * spec.wcs.cd[1][1] - spec.wcs.cd[0][1] * spec.wcs.cd[1][0])) * 3600;
  for (const o of spec.sky) {
    const [x, y] = skyToPixel(spec.wcs, o.ra, o.dec);
    if (x < -30 || y < -30 || x > width + 30 || y > height + 30) continue;
    const flux = exptime * 10 ** (-0.4 * (o.mag[band] - TOYCAM.zeroPoint[band]));
    if (o.kind === 0) addStar(scene, x, y, flux, psfSigma);
    else addGalaxy(scene, x, y, flux, o.radius / scale, o.q, o.pa, psfSigma);
  }
  return scene;
}

export function makeRaw(spec: RawSpec): { raw: Plane; cosmicRays: CosmicRayTruth[] } {
  const { width, height } = spec;
  const rng = makeRng(spec.seed);
  const scene = renderScene(spec);
  const raw = newPlane(width, height);
  for (let i = 0; i < width * height; i++) {
    const e = rng.poisson(scene.image[i] * spec.flat.image[i]);
    raw.image[i] = e / TOYCAM.gain;
  }
  const crs: CosmicRayTruth[] = [];
  const nCr = spec.cosmicRays ?? 4;
  for (let k = 0; k < nCr; k++) {
    let x = 5 + Math.floor(rng.uniform() * (width - 10));
    let y = 5 + Math.floor(rng.uniform() * (height - 10));
    const len = 1 + Math.floor(rng.uniform() * 3);
    const dx = rng.uniform() < 0.5 ? 1 : 0;
    const dy = 1 - dx;
    for (let j = 0; j < len; j++) {
      raw.image[y * width + x] += (3000 + 15000 * rng.uniform()) / TOYCAM.gain;
      crs.push({ x, y });
      x += dx;
      y += dy;
    }
  }
  for (let i = 0; i < width * height; i++) {
    const adu = raw.image[i] + spec.bias.image[i] + (TOYCAM.readNoise / TOYCAM.gain) * rng.normal();
    raw.image[i] = Math.min(TOYCAM.saturation, Math.round(adu));
  }
  return { raw, cosmicRays: crs };
}

/** Master bias as a calibration pipeline would make it: the pattern plus the noise of a 20-frame stack. */
export function makeMasterBias(bias: Plane, seed: number): Plane {
  const rng = makeRng(seed);
  const out = newPlane(bias.width, bias.height);
  const s = TOYCAM.readNoise / TOYCAM.gain / Math.sqrt(20);
  for (let i = 0; i < out.image.length; i++) out.image[i] = bias.image[i] + s * rng.normal();
  return out;
}

/** Master flat: the pattern with 0.1% noise, normalised to mean 1 over the mosaic by construction. */
export function makeMasterFlat(flat: Plane, seed: number): Plane {
  const rng = makeRng(seed);
  const out = newPlane(flat.width, flat.height);
  for (let i = 0; i < out.image.length; i++) out.image[i] = flat.image[i] * (1 + 0.001 * rng.normal());
  return out;
}
