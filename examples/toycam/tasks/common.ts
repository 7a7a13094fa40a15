/**
 * Glue between the storage-class values of the Butler (Exposure, Catalog) and the numeric
 * library's typed-array structures, plus the ToyCam skymap geometry the coadd tasks need.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { MaskedImage } from '../lib/image.js';
import type { TanWcs } from '../lib/wcs.js';

export type Header = Record<string, string | number | boolean>;

export interface ExposureValue {
  width: number;
  height: number;
  image: Float32Array;
  mask?: Int32Array;
  variance?: Float32Array;
  header: Header;
}

export interface CatalogValue {
  columns: Record<string, Float64Array | Int32Array | string[]>;
  meta?: Record<string, string>;
}

export function toMasked(e: ExposureValue): MaskedImage {
  const n = e.width * e.height;
  return {
    width: e.width,
    height: e.height,
    image: e.image,
    mask: e.mask ?? new Int32Array(n),
    variance: e.variance ?? new Float32Array(n).fill(1),
  };
}

export function toExposure(mi: MaskedImage, header: Header): ExposureValue {
  return {
    width: mi.width,
    height: mi.height,
    image: mi.image,
    mask: mi.mask,
    variance: mi.variance,
    header,
  };
}

export function num(h: Header, key: string): number {
  const v = h[key];
  if (typeof v !== 'number') throw new Error(`header card ${key} is missing or not a number`);
  return v;
}

export interface SkymapGeometry {
  pixelScale: number;
  patchInner: [number, number];
  patchBorder: number;
  patches: [number, number];
  tracts: { id: number; ra: number; dec: number }[];
}

const here = dirname(fileURLToPath(import.meta.url));

/** The skymap definition shared with `quanta butler register-skymap` (examples/toycam/skymap.yaml). */
export function readSkymap(file = join(here, '..', 'skymap.yaml')): SkymapGeometry {
  const y = parse(readFileSync(file, 'utf8')) as {
    pixel_scale: number;
    patch_inner: [number, number];
    patch_border: number;
    patches: [number, number];
    tracts: { id: number; ra: number; dec: number }[];
  };
  return {
    pixelScale: y.pixel_scale,
    patchInner: y.patch_inner,
    patchBorder: y.patch_border,
    patches: y.patches,
    tracts: y.tracts,
  };
}

/**
 * WCS and size of a patch (inner area plus border), matching the patch regions of
 * src/butler/skymap.ts: tangent plane at the tract centre, x running east to west like the
 * detectors (CD1_1 < 0), patch 0 at the south-east corner.
 */
export function patchWcs(
  g: SkymapGeometry,
  tract: number,
  patch: number,
): { wcs: TanWcs; width: number; height: number } {
  const t = g.tracts.find((x) => x.id === tract);
  if (!t) throw new Error(`tract ${tract} is not in the skymap`);
  const s = g.pixelScale / 3600;
  const [nx, ny] = g.patches;
  const [pw, ph] = g.patchInner;
  const px = patch % nx;
  const py = Math.floor(patch / nx);
  const b = g.patchBorder;
  // tangent-plane extent of the patch in pixels, origin at the tract centre
  const x0 = (-nx * pw) / 2 + px * pw - b;
  const x1 = x0 + pw + 2 * b;
  const y0 = (-ny * ph) / 2 + py * ph - b;
  const width = pw + 2 * b;
  const height = ph + 2 * b;
  // pixel 0 (FITS 1) sits at the east edge (xi = x1), since xi = -s (X - crpix1)
  return {
    wcs: {
      crval: [t.ra, t.dec],
      crpix: [1 + x1, 1 - y0],
      cd: [
        [-s, 0],
        [0, s],
      ],
    },
    width,
    height,
  };
}
