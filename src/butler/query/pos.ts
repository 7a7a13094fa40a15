/**
 * IVOA SIAv2 POS strings, the argument of REGION('...') (as lsst.sphgeom's Region.from_ivoa_pos
 * reads them): `CIRCLE ra dec radius`, `RANGE ra1 ra2 dec1 dec2` (a box; -Inf/+Inf for open
 * sides), `POLYGON ra1 dec1 ra2 dec2 ra3 dec3 ...`. Degrees throughout.
 */
import { convexHull, type SkyRegion } from '../region.js';

function numbers(words: string[]): number[] | undefined {
  const out = words.map((w) =>
    /^[-+]?inf$/i.test(w) ? (w.startsWith('-') ? -Infinity : Infinity) : Number(w),
  );
  return out.some((x) => Number.isNaN(x)) || words.some((w) => w === '') ? undefined : out;
}

/** The region of a POS string, or a reason string when it is not one. */
export function parsePos(text: string): SkyRegion | string {
  const [shape = '', ...rest] = text.trim().split(/\s+/);
  const args = numbers(rest);
  if (args === undefined) return `'${text}' has a coordinate that is not a number`;
  switch (shape.toUpperCase()) {
    case 'CIRCLE':
      if (args.length !== 3 || !args.every(Number.isFinite)) return `CIRCLE needs 'CIRCLE ra dec radius'`;
      return { center: [args[0], args[1]], radius: args[2] };
    case 'RANGE': {
      if (args.length !== 4) return `RANGE needs 'RANGE ra1 ra2 dec1 dec2'`;
      const [ra1, ra2, dec1, dec2] = args;
      const lon: [number, number] = Number.isFinite(ra1) && Number.isFinite(ra2) ? [ra1, ra2] : [0, 360];
      return { lon, lat: [Math.max(-90, dec1), Math.min(90, dec2)] };
    }
    case 'POLYGON': {
      if (args.length < 6 || args.length % 2 || !args.every(Number.isFinite))
        return `POLYGON needs at least three 'ra dec' pairs`;
      const pts: [number, number][] = [];
      for (let i = 0; i < args.length; i += 2) pts.push([args[i], args[i + 1]]);
      return convexHull(pts);
    }
    default:
      return `'${text}' is not an IVOA POS region (CIRCLE, RANGE or POLYGON)`;
  }
}
