/** Our FITS files must open in astropy (the reference reader) with the right pixels, cards and WCS. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithService, probeService } from '../../../test/helpers/services.js';
import { exposureFromFits, exposureToFits } from './exposure.js';

const astropy = probeService('astropy');
const LONG = "a long value with 'quotes' that needs CONTINUE cards ".repeat(4).trim(); // trailing spaces are not significant in FITS

const SCRIPT = `
import json, sys, warnings
from astropy.io import fits
from astropy.wcs import WCS
warnings.simplefilter('ignore')
with fits.open(sys.argv[1]) as h:
    h.verify('exception')
    w = WCS(h[0].header)
    sky = w.pixel_to_world(float(sys.argv[2]), float(sys.argv[3]))
    print(json.dumps({
        'names': [x.name for x in h],
        'shape': list(h[0].data.shape),
        'dtype': h[0].data.dtype.name,
        'pixel': float(h[0].data[2, 3]),
        'mask': int(h['MASK'].data[2, 3]),
        'maskDtype': h['MASK'].data.dtype.name,
        'variance': float(h['VARIANCE'].data[1, 1]),
        'instrume': h[0].header['INSTRUME'],
        'visit': h[0].header['VISIT'],
        'comment': h[0].header.comments['CRVAL1'],
        'photometric': h[0].header['PHOTOM'],
        'longString': h[0].header['LONGSTR'],
        'object': h[0].header['OBJECT'],
        'hierarch': h[0].header['HIERARCH DETECTOR.SERIAL'],
        'ra': sky.ra.deg, 'dec': sky.dec.deg,
    }))
`;

describeWithService('astropy', astropy, 'FITS files open in astropy', () => {
  it('reads shape, pixels, cards, extensions and the TAN WCS of an Exposure', () => {
    const width = 7;
    const height = 5;
    const image = Float32Array.from({ length: width * height }, (_, i) => i + 0.25);
    const exposure = {
      width,
      height,
      image,
      mask: Int32Array.from({ length: width * height }, (_, i) => i % 4),
      variance: new Float32Array(width * height).fill(2.5),
      header: {
        INSTRUME: 'ToyCam',
        VISIT: 2340,
        PHOTOM: true,
        LONGSTR: LONG,
        OBJECT: "it's a 'test' field",
        'detector.serial': 'SN-0042',
        CTYPE1: 'RA---TAN',
        CTYPE2: 'DEC--TAN',
        CRVAL1: 150,
        CRVAL2: 2.5,
        CRPIX1: 4,
        CRPIX2: 3,
        CD1_1: -0.0001,
        CD1_2: 0,
        CD2_1: 0,
        CD2_2: 0.0001,
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'astropy-'));
    const path = join(dir, 'calexp.fits');
    const bytes = exposureToFits(exposure);
    writeFileSync(path, bytes);
    // Pixel (x=3, y=2) 0-based is the reference pixel (CRPIX 4, 3 are 1-based); (x=13, y=2) is
    // 10 pixels along -RA: 0.001 deg on the sky.
    const run = (x: number, y: number): Record<string, unknown> =>
      JSON.parse(
        execFileSync(astropy.env.QUANTA_PYTHON, ['-c', SCRIPT, path, String(x), String(y)], {
          encoding: 'utf8',
        }),
      ) as Record<string, unknown>;
    const out = run(3, 2);
    expect(out.names).toEqual(['PRIMARY', 'MASK', 'VARIANCE']);
    expect(out.shape).toEqual([height, width]);
    expect(out.dtype).toMatch(/float32/);
    expect(out.pixel).toBe(image[2 * width + 3]);
    expect(out.mask).toBe((2 * width + 3) % 4);
    expect(out.maskDtype).toMatch(/int32/);
    expect(out.variance).toBe(2.5);
    expect(out).toMatchObject({ instrume: 'ToyCam', visit: 2340, photometric: true });
    expect(out.longString).toBe(LONG);
    expect(out.object).toBe("it's a 'test' field");
    expect(out.hierarch).toBe('SN-0042');
    expect(out.comment).toMatch(/RA at the reference pixel/);
    expect(out.ra as number).toBeCloseTo(150, 9);
    expect(out.dec as number).toBeCloseTo(2.5, 9);
    const off = run(13, 2);
    expect(((out.ra as number) - (off.ra as number)) * Math.cos((2.5 * Math.PI) / 180)).toBeCloseTo(0.001, 6);
    expect(off.dec as number).toBeCloseTo(2.5, 6);
    // and our reader agrees with what we wrote
    expect(exposureFromFits(bytes).header.CD2_2).toBe(0.0001);
  });

  it('reads FITS files written by astropy (BZERO unsigned, IMAGE extension layout)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'astropy-'));
    const path = join(dir, 'raw.fits');
    const script = `
import numpy as np, sys
from astropy.io import fits
d = np.arange(12, dtype=np.uint16).reshape(3, 4) * 1000
p = fits.PrimaryHDU(); p.header['INSTRUME'] = 'ToyCam'; p.header['EXPTIME'] = 15.0
fits.HDUList([p, fits.ImageHDU(d, name='IMAGE')]).writeto(sys.argv[1])
`;
    execFileSync(astropy.env.QUANTA_PYTHON, ['-c', script, path]);
    const e = exposureFromFits(new Uint8Array(readFileSync(path)), { what: path });
    expect([e.width, e.height]).toEqual([4, 3]);
    expect(e.image[5]).toBe(5000);
    expect(e.image[11]).toBe(11000);
    expect(e.header).toMatchObject({ INSTRUME: 'ToyCam', EXPTIME: 15 });
  });
});
