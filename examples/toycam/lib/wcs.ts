/**
 * The gnomonic (TAN) world coordinate system of FITS paper II: CRVAL (deg) is the tangent
 * point, CRPIX the reference pixel (1-based, FITS convention), CD the linear map from pixel
 * offsets to intermediate world coordinates in degrees. Pixel coordinates in this library
 * are 0-based (pixel i covers [i-0.5, i+0.5]), so FITS pixel = ours + 1.
 */
export interface TanWcs {
  crval: [number, number];
  crpix: [number, number];
  cd: [[number, number], [number, number]];
}

const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;

/** Sky (deg) -> intermediate world coordinates (deg) around a tangent point. */
export function skyToTangent(ra: number, dec: number, ra0: number, dec0: number): [number, number] {
  const a = ra * D2R;
  const d = dec * D2R;
  const a0 = ra0 * D2R;
  const d0 = dec0 * D2R;
  const cosc = Math.sin(d0) * Math.sin(d) + Math.cos(d0) * Math.cos(d) * Math.cos(a - a0);
  const xi = (Math.cos(d) * Math.sin(a - a0)) / cosc;
  const eta = (Math.cos(d0) * Math.sin(d) - Math.sin(d0) * Math.cos(d) * Math.cos(a - a0)) / cosc;
  return [xi * R2D, eta * R2D];
}

/** Intermediate world coordinates (deg) -> sky (deg). */
export function tangentToSky(xiDeg: number, etaDeg: number, ra0: number, dec0: number): [number, number] {
  const xi = xiDeg * D2R;
  const eta = etaDeg * D2R;
  const a0 = ra0 * D2R;
  const d0 = dec0 * D2R;
  const den = Math.cos(d0) - eta * Math.sin(d0);
  let ra = a0 + Math.atan2(xi, den);
  const dec = Math.atan2(Math.sin(d0) + eta * Math.cos(d0), Math.hypot(xi, den));
  ra = ra * R2D;
  if (ra < 0) ra += 360;
  if (ra >= 360) ra -= 360;
  return [ra, dec * R2D];
}

export function pixelToSky(w: TanWcs, x: number, y: number): [number, number] {
  const dx = x + 1 - w.crpix[0];
  const dy = y + 1 - w.crpix[1];
  const xi = w.cd[0][0] * dx + w.cd[0][1] * dy;
  const eta = w.cd[1][0] * dx + w.cd[1][1] * dy;
  return tangentToSky(xi, eta, w.crval[0], w.crval[1]);
}

export function skyToPixel(w: TanWcs, ra: number, dec: number): [number, number] {
  const [xi, eta] = skyToTangent(ra, dec, w.crval[0], w.crval[1]);
  const [[a, b], [c, d]] = w.cd;
  const det = a * d - b * c;
  const dx = (d * xi - b * eta) / det;
  const dy = (-c * xi + a * eta) / det;
  return [dx + w.crpix[0] - 1, dy + w.crpix[1] - 1];
}

/** A WCS with square pixels of `scaleArcsec`, rotated by `rotDeg`, RA increasing to -x (sky view). */
export function makeTanWcs(
  ra: number,
  dec: number,
  crpix: [number, number],
  scaleArcsec: number,
  rotDeg = 0,
): TanWcs {
  const s = scaleArcsec / 3600;
  const c = Math.cos(rotDeg * D2R);
  const n = Math.sin(rotDeg * D2R);
  return {
    crval: [ra, dec],
    crpix,
    cd: [
      [-s * c, s * n],
      [s * n, s * c],
    ],
  };
}

/** FITS header cards for a WCS. */
export function wcsToHeader(w: TanWcs): Record<string, string | number> {
  return {
    CTYPE1: 'RA---TAN',
    CTYPE2: 'DEC--TAN',
    CUNIT1: 'deg',
    CUNIT2: 'deg',
    CRVAL1: w.crval[0],
    CRVAL2: w.crval[1],
    CRPIX1: w.crpix[0],
    CRPIX2: w.crpix[1],
    CD1_1: w.cd[0][0],
    CD1_2: w.cd[0][1],
    CD2_1: w.cd[1][0],
    CD2_2: w.cd[1][1],
  };
}

export function wcsFromHeader(h: Record<string, unknown>): TanWcs {
  const n = (k: string): number => {
    const v = h[k];
    if (typeof v !== 'number') throw new Error(`WCS header card ${k} missing or not a number`);
    return v;
  };
  return {
    crval: [n('CRVAL1'), n('CRVAL2')],
    crpix: [n('CRPIX1'), n('CRPIX2')],
    cd: [
      [n('CD1_1'), n('CD1_2')],
      [n('CD2_1'), n('CD2_2')],
    ],
  };
}

/** Angular separation in arcseconds (haversine: accurate at small separations). */
export function separationArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const d1 = dec1 * D2R;
  const d2 = dec2 * D2R;
  const s =
    Math.sin((d2 - d1) / 2) ** 2 + Math.cos(d1) * Math.cos(d2) * Math.sin(((ra2 - ra1) * D2R) / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(s))) * R2D * 3600;
}
