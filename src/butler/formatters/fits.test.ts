import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DatastoreError } from '../../errors.js';
import { encodeHeader, formatCard, parseCard } from './fits-header.js';
import { readFits, readFitsHeader, writeFits, type FitsPixels } from './fits.js';

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

describe('FITS writer and reader', () => {
  const cases: [string, FitsPixels, number][] = [
    ['uint8', Uint8Array.from([0, 1, 127, 255, 9, 8]), 8],
    ['int16', Int16Array.from([-32768, -1, 0, 1, 32767, 5]), 16],
    ['uint16 via BZERO', Uint16Array.from([0, 1, 32768, 65535, 7, 9]), 16],
    ['int32', Int32Array.from([-2147483648, -5, 0, 5, 2147483647, 3]), 32],
    ['float32', Float32Array.from([-1.5, 0, 3.25, 1e30, NaN, -0]), -32],
    ['float64', Float64Array.from([Math.PI, -Math.E, 1e-300, 0, 1, 2]), -64],
  ];
  for (const [name, data, bitpix] of cases) {
    it(`round-trips ${name} pixels with BITPIX ${bitpix}, big-endian in 2880-byte blocks`, () => {
      const bytes = writeFits([{ axes: [3, 2], data }]);
      expect(bytes.length % 2880).toBe(0);
      const [hdu] = readFits(bytes);
      expect(hdu.bitpix).toBe(bitpix);
      expect(hdu.axes).toEqual([3, 2]);
      expect(hdu.data?.constructor).toBe(data.constructor);
      expect(Array.from(hdu.data!)).toEqual(Array.from(data));
    });
  }

  it('stores data big-endian', () => {
    const bytes = writeFits([{ axes: [1], data: Int32Array.from([0x01020304]) }]);
    expect(Array.from(bytes.subarray(2880, 2884))).toEqual([1, 2, 3, 4]);
  });

  it('writes and reads IMAGE extensions by EXTNAME, with header cards of every type', () => {
    const bytes = writeFits([
      {
        data: new Float32Array(4).fill(1),
        axes: [2, 2],
        cards: [
          { key: 'INSTRUME', value: 'ToyCam', comment: 'instrument' },
          { key: 'OBJECT', value: "it's a 'test'" },
          { key: 'EXPID', value: 2340 },
          { key: 'CRVAL1', value: 150, float: true },
          { key: 'GAIN', value: 1.25 },
          { key: 'ISDARK', value: false },
          { key: 'COMMENT', comment: 'made by quanta' },
          { key: 'SIMPLE', value: false }, // structural: ignored, the writer owns it
        ],
      },
      { name: 'MASK', axes: [2, 2], data: new Int32Array([0, 1, 2, 3]) },
      { name: 'VARIANCE', axes: [2, 2], data: new Float32Array([4, 5, 6, 7]) },
    ]);
    const hdus = readFits(bytes);
    expect(hdus.map((h) => h.name)).toEqual([undefined, 'MASK', 'VARIANCE']);
    const h = hdus[0].header;
    expect(h).toMatchObject({
      SIMPLE: true,
      INSTRUME: 'ToyCam',
      OBJECT: "it's a 'test'",
      EXPID: 2340,
      CRVAL1: 150,
      GAIN: 1.25,
      ISDARK: false,
    });
    expect(hdus[0].cards.find((c) => c.key === 'INSTRUME')?.comment).toBe('instrument');
    expect(hdus[0].cards.find((c) => c.key === 'COMMENT')?.comment).toBe('made by quanta');
    expect(hdus[0].cards.map((c) => c.key).slice(0, 6)).toEqual([
      'SIMPLE',
      'BITPIX',
      'NAXIS',
      'NAXIS1',
      'NAXIS2',
      'EXTEND',
    ]);
    expect(hdus[1].header.XTENSION).toBe('IMAGE');
    expect(hdus[1].header.PCOUNT).toBe(0);
    expect(Array.from(hdus[2].data!)).toEqual([4, 5, 6, 7]);
  });

  it('formats cards to 80 columns with fixed-format values', () => {
    expect(formatCard({ key: 'NAXIS', value: 2 })).toBe('NAXIS   =                    2'.padEnd(80));
    expect(formatCard({ key: 'CTYPE1', value: 'RA---TAN' })).toBe("CTYPE1  = 'RA---TAN'".padEnd(80));
    expect(formatCard({ key: 'CRPIX1', value: 3, float: true })).toMatch(/^CRPIX1 {2}= {18}3\.0 *$/);
    expect(formatCard({ key: 'TINY', value: 1e-20 })).toMatch(/= +1\.0E-20/);
    expect(parseCard(formatCard({ key: 'TINY', value: 1e-20 })).value).toBe(1e-20);
    expect(formatCard({ key: 'detector.serial', value: 'A1' })).toMatch(
      /^HIERARCH DETECTOR.SERIAL = 'A1 {6}'/,
    );
    expect(parseCard(formatCard({ key: 'detector.serial', value: 'A1' }))).toMatchObject({
      key: 'DETECTOR.SERIAL',
      value: 'A1',
    });
    expect(encodeHeader([]).length).toBe(2880);
  });

  it('writes long strings with CONTINUE cards and reads them back whole', () => {
    const long = "a path/with 'quotes' and more text ".repeat(8) + "'";
    const text = formatCard({ key: 'FILENAME', value: long });
    expect(text.length % 80).toBe(0);
    expect(text.length).toBeGreaterThan(160);
    expect(text.slice(80, 90)).toBe('CONTINUE  ');
    const bytes = writeFits([
      {
        cards: [
          { key: 'FILENAME', value: long },
          { key: 'AFTER', value: 1 },
        ],
      },
    ]);
    const [hdu] = readFits(bytes);
    expect(hdu.header.FILENAME).toBe(long);
    expect(hdu.header.AFTER).toBe(1);
    expect(hdu.cards.some((c) => c.key === 'CONTINUE')).toBe(false);
  });

  it('refuses values FITS cannot hold, naming the keyword', () => {
    expect(() => formatCard({ key: 'BAD', value: NaN })).toThrow(/BAD.*finite/);
    expect(() => formatCard({ key: 'BAD', value: 'café' })).toThrow(DatastoreError);
    expect(() => formatCard({ key: 'HIERARCH.' + 'K'.repeat(70), value: 12345678901 })).toThrow(
      /more than 80/,
    );
    expect(() => writeFits([{ axes: [3, 3], data: new Float32Array(4) }])).toThrow(
      /axes \[3, 3\] do not match 4 pixels/,
    );
  });

  it('applies BZERO/BSCALE and BLANK on read', () => {
    const header = encodeHeader([
      { key: 'SIMPLE', value: true },
      { key: 'BITPIX', value: 16 },
      { key: 'NAXIS', value: 1 },
      { key: 'NAXIS1', value: 3 },
      { key: 'BZERO', value: 10 },
      { key: 'BSCALE', value: 0.5 },
      { key: 'BLANK', value: -1 },
    ]);
    const data = new Uint8Array(2880);
    data.set([0, 4, 255, 255, 0, 0]); // 4, -1 (BLANK), 0
    const [hdu] = readFits(concat(header, data));
    expect(hdu.data).toBeInstanceOf(Float32Array);
    expect(Array.from(hdu.data!)).toEqual([12, NaN, 10]);
  });

  it('reports truncated and non-FITS input as DatastoreError', () => {
    const bytes = writeFits([{ axes: [100, 100], data: new Float32Array(10000) }]);
    expect(() => readFits(bytes.subarray(0, 2880 + 100), 'f.fits')).toThrow(/f\.fits.*truncated/);
    expect(() => readFits(bytes.subarray(0, 400), 'f.fits')).toThrow(/no END card/);
    expect(() => readFits(new TextEncoder().encode('hello world'.repeat(10)), 'x.txt')).toThrow(
      /x\.txt: not a FITS file/,
    );
  });

  it('readFitsHeader reads the primary header without the data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fits-'));
    const cards = Array.from({ length: 60 }, (_, i) => ({ key: `K${i}`, value: i })); // header spans 2 blocks
    const bytes = writeFits([{ axes: [100, 100], data: new Float32Array(10000), cards }]);
    const path = join(dir, 'raw.fits');
    writeFileSync(path, bytes.subarray(0, 2 * 2880 + 10)); // data truncated: the header reader must not care
    const { header, cards: read } = await readFitsHeader(path);
    expect(header.K59).toBe(59);
    expect(header.NAXIS1).toBe(100);
    expect(read.length).toBe(66);
    await expect(readFitsHeader(join(dir, 'missing.fits'))).rejects.toThrow(
      /cannot open FITS file .*missing\.fits/,
    );
  });
});

describe('FITS header property', () => {
  const key = fc
    .stringMatching(/^[A-Z][A-Z0-9_-]{0,7}$/)
    .filter(
      (k) =>
        !/^(SIMPLE|XTENSION|BITPIX|NAXIS\d*|EXTEND|PCOUNT|GCOUNT|BZERO|BSCALE|END|COMMENT|HISTORY|CONTINUE|EXTNAME|BLANK)$/.test(
          k,
        ),
    );
  const value = fc.oneof(
    fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 200,
    }),
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
    fc.boolean(),
  );
  it('any cards of printable strings, integers, finite floats and booleans round-trip', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 40 }), (pairs) => {
        const bytes = writeFits([{ cards: pairs.map(([k, v]) => ({ key: k, value: v, comment: 'c' })) }]);
        expect(bytes.length % 2880).toBe(0);
        const { header } = readFits(bytes)[0];
        for (const [k, v] of pairs) expect(header[k], k).toEqual(typeof v === 'string' ? v.trimEnd() : v);
      }),
      { numRuns: 300 },
    );
  });
});

describe('FITS reader robustness', () => {
  it('property: corrupted headers give a DatastoreError or a result, never another exception', () => {
    const base = writeFits([
      { axes: [4, 3], data: new Float32Array(12).fill(1), cards: [{ key: 'A', value: 'x' }] },
      { name: 'MASK', axes: [4, 3], data: new Int32Array(12) },
    ]);
    const printable = fc.integer({ min: 0x20, max: 0x7e });
    fc.assert(
      fc.property(
        fc.array(
          // value columns (9-30) of the first 8 cards of either header: BITPIX, NAXISn, PCOUNT, ...
          fc
            .tuple(
              fc.constantFrom(0, 2 * 2880),
              fc.integer({ min: 0, max: 7 }),
              fc.integer({ min: 8, max: 30 }),
              printable,
            )
            .map(([hdr, card, col, b]) => [hdr + card * 80 + col, b] as const),
          { minLength: 1, maxLength: 6 },
        ),
        (edits) => {
          const bytes = base.slice();
          for (const [pos, b] of edits) bytes[pos] = b;
          try {
            readFits(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(DatastoreError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
