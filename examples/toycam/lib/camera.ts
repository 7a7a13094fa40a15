/**
 * ToyCam's focal plane: an n x n mosaic of square detectors with small gaps, one TAN WCS per
 * detector derived from the boresight pointing, and the observing constants (zero point,
 * gain, read noise, saturation) the raw generator and ISR share.
 */
import { makeTanWcs, type TanWcs } from './wcs.js';
import type { Band } from './sky.js';

export interface CameraGeometry {
  /** detectors per side (3 -> 9 detectors) */
  side: number;
  /** pixels per detector side */
  size: number;
  /** gap between detectors in pixels */
  gap: number;
  /** arcsec per pixel */
  pixelScale: number;
}

export const TOYCAM = {
  name: 'ToyCam',
  gain: 1.0,
  readNoise: 5.0,
  biasLevel: 1000,
  saturation: 60000,
  /** magnitude giving 1 electron per second, per band (before the flat) */
  zeroPoint: { g: 28.0, r: 28.2, i: 27.9 } as Record<Band, number>,
  /** sky brightness, electrons per second per pixel */
  skyRate: { g: 15, r: 25, i: 40 } as Record<Band, number>,
};

export function defaultGeometry(): CameraGeometry {
  return { side: 3, size: 400, gap: 10, pixelScale: 0.4 };
}

export function detectorCount(g: CameraGeometry): number {
  return g.side * g.side;
}

/** Offset (pixels) of detector `det`'s pixel (0,0) from the boresight in focal-plane pixels. */
export function detectorOrigin(g: CameraGeometry, det: number): [number, number] {
  const ix = det % g.side;
  const iy = Math.floor(det / g.side);
  const pitch = g.size + g.gap;
  const half = (g.side * pitch - g.gap) / 2;
  return [ix * pitch - half, iy * pitch - half];
}

/** The WCS of one detector for a pointing (boresight RA/Dec, rotation). */
export function detectorWcs(g: CameraGeometry, det: number, ra: number, dec: number, rotDeg = 0): TanWcs {
  const [ox, oy] = detectorOrigin(g, det);
  // CRPIX is the boresight in this detector's FITS pixel frame
  return makeTanWcs(ra, dec, [1 - ox, 1 - oy], g.pixelScale, rotDeg);
}

/** Field half-width in degrees (for sky generation and skymap extent). */
export function fieldHalfWidthDeg(g: CameraGeometry): number {
  return ((g.side * (g.size + g.gap)) / 2) * (g.pixelScale / 3600);
}
