/**
 * Exposure <-> FITS: the image in the primary HDU (BITPIX -32) with the exposure's header
 * cards (instrument, ids, WCS), then MASK (BITPIX 32) and VARIANCE (BITPIX -32) image
 * extensions when present.
 */
import { DatastoreError } from '../../errors.js';
import {
  readFits,
  writeFits,
  type FitsCard,
  type FitsHdu,
  type FitsHduInput,
  type FitsValue,
} from './fits.js';
import type { FormatContext, Formatter } from './formatter.js';

export interface Exposure {
  width: number;
  height: number;
  /** row-major: image[y * width + x] */
  image: Float32Array;
  mask?: Int32Array;
  variance?: Float32Array;
  header: Record<string, string | number | boolean>;
}

/** Keywords written as floats even when integral, so WCS readers see real values. */
const FLOAT_KEYS =
  /^(CRVAL\d|CRPIX\d|CD\d_\d|CDELT\d|PC\d_\d|CROTA\d|EQUINOX|EXPTIME|DARKTIME|MJD.*|RA|DEC|AIRMASS|ZPT?|GAIN|RDNOISE)$/;

const COMMENTS: Record<string, string> = {
  CTYPE1: 'projection of axis 1',
  CTYPE2: 'projection of axis 2',
  CRVAL1: '[deg] RA at the reference pixel',
  CRVAL2: '[deg] Dec at the reference pixel',
  CRPIX1: 'reference pixel, axis 1 (1-based)',
  CRPIX2: 'reference pixel, axis 2 (1-based)',
  CD1_1: '[deg/pixel] linear transform',
  CD1_2: '[deg/pixel] linear transform',
  CD2_1: '[deg/pixel] linear transform',
  CD2_2: '[deg/pixel] linear transform',
};

const STRUCTURAL = /^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|BZERO|BSCALE|BLANK|EXTNAME)$/;

function bad(ctx: FormatContext, why: string): never {
  throw new DatastoreError('DATASTORE_BAD_VALUE', `${ctx.what}: ${why}`);
}

function checkExposure(v: unknown, ctx: FormatContext): Exposure {
  if (typeof v !== 'object' || v === null)
    bad(ctx, 'an Exposure must be an object {width, height, image, header}');
  const e = v as Partial<Exposure>;
  const { width, height } = e;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width! <= 0 || height! <= 0) {
    bad(ctx, `Exposure width/height must be positive integers (got ${width} x ${height})`);
  }
  const n = width! * height!;
  if (!(e.image instanceof Float32Array)) bad(ctx, 'Exposure.image must be a Float32Array');
  if (e.image.length !== n)
    bad(ctx, `Exposure.image has ${e.image.length} pixels, expected ${width} x ${height} = ${n}`);
  if (e.mask !== undefined && (!(e.mask instanceof Int32Array) || e.mask.length !== n)) {
    bad(ctx, `Exposure.mask must be an Int32Array of ${n} pixels`);
  }
  if (e.variance !== undefined && (!(e.variance instanceof Float32Array) || e.variance.length !== n)) {
    bad(ctx, `Exposure.variance must be a Float32Array of ${n} pixels`);
  }
  if (e.header !== undefined && (typeof e.header !== 'object' || e.header === null))
    bad(ctx, 'Exposure.header must be an object');
  return e as Exposure;
}

function headerCards(header: Record<string, FitsValue>, ctx: FormatContext): FitsCard[] {
  const cards: FitsCard[] = [];
  for (const [key, value] of Object.entries(header ?? {})) {
    if (STRUCTURAL.test(key)) continue;
    if (!['string', 'number', 'boolean'].includes(typeof value)) {
      bad(ctx, `header card ${key} must be a string, number or boolean (got ${typeof value})`);
    }
    // COMMENT/HISTORY are commentary cards in FITS: their text is not a keyword value.
    if (key === 'COMMENT' || key === 'HISTORY') cards.push({ key, comment: String(value) });
    else cards.push({ key, value, comment: COMMENTS[key], float: FLOAT_KEYS.test(key) });
  }
  return cards;
}

export function exposureToFits(exposure: Exposure, ctx: FormatContext = { what: 'Exposure' }): Uint8Array {
  const e = checkExposure(exposure, ctx);
  const axes = [e.width, e.height];
  const hdus: FitsHduInput[] = [{ axes, data: e.image, cards: headerCards(e.header, ctx) }];
  if (e.mask) hdus.push({ name: 'MASK', axes, data: e.mask });
  if (e.variance) hdus.push({ name: 'VARIANCE', axes, data: e.variance });
  return writeFits(hdus);
}

function userHeader(hdu: FitsHdu): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(hdu.header)) if (!STRUCTURAL.test(k)) out[k] = v;
  return out;
}

export function exposureFromFits(bytes: Uint8Array, ctx: FormatContext = { what: 'FITS file' }): Exposure {
  const hdus = readFits(bytes, ctx.what);
  // Our files put the image in the primary HDU; LSST-style files use an IMAGE extension.
  const imageHdu = hdus[0].data ? hdus[0] : hdus.find((h) => h.name === 'IMAGE' && h.data);
  if (!imageHdu || imageHdu.axes.length !== 2 || !imageHdu.data) {
    throw new DatastoreError(
      'DATASTORE_BAD_FILE',
      `${ctx.what}: no 2-D image in the primary HDU or an IMAGE extension`,
    );
  }
  const [width, height] = imageHdu.axes;
  const plane = (name: string): FitsHdu | undefined => {
    const h = hdus.find((x) => x.name === name && x.data);
    if (h && (h.axes[0] !== width || h.axes[1] !== height)) {
      throw new DatastoreError(
        'DATASTORE_BAD_FILE',
        `${ctx.what}: ${name} is ${h.axes.join('x')}, image is ${width}x${height}`,
      );
    }
    return h;
  };
  const mask = plane('MASK');
  const variance = plane('VARIANCE');
  const header = { ...userHeader(hdus[0]), ...(imageHdu === hdus[0] ? {} : userHeader(imageHdu)) };
  const toF32 = (d: NonNullable<FitsHdu['data']>): Float32Array =>
    d instanceof Float32Array ? d : Float32Array.from(d);
  return {
    width,
    height,
    image: toF32(imageHdu.data),
    ...(mask?.data ? { mask: mask.data instanceof Int32Array ? mask.data : Int32Array.from(mask.data) } : {}),
    ...(variance?.data ? { variance: toF32(variance.data) } : {}),
    header,
  };
}

export const exposureFormatter: Formatter<Exposure> = {
  storageClass: 'Exposure',
  extension: '.fits',
  write: (value, ctx) => exposureToFits(value as Exposure, ctx),
  read: (bytes, ctx) => exposureFromFits(bytes, ctx),
};
