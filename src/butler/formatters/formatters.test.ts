import { describe, expect, it } from 'vitest';
import { DatastoreError } from '../../errors.js';
import {
  catalogFromArrow,
  catalogToArrow,
  exposureFromFits,
  exposureToFits,
  getFormatter,
  jsonFormatter,
  plotFormatter,
  registerFormatter,
} from './index.js';
import { tableFromIPC } from 'apache-arrow';

const ctx = { what: 'test dataset' };
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

describe('Exposure formatter', () => {
  it('round-trips image, mask, variance and header', () => {
    const e = {
      width: 3,
      height: 2,
      image: Float32Array.from([1, 2, 3, 4, 5, 6.5]),
      mask: Int32Array.from([0, 1, 0, 2, 0, 4]),
      variance: Float32Array.from([1, 1, 1, 2, 2, 2]),
      header: { INSTRUME: 'ToyCam', DETECTOR: 3, EXPTIME: 30.5, SATURATE: false },
    };
    const back = exposureFromFits(exposureToFits(e));
    expect(back).toEqual(e);
  });

  it('omits absent planes and rejects inconsistent values with the dataset named', () => {
    const back = exposureFromFits(
      exposureToFits({ width: 1, height: 1, image: new Float32Array(1), header: {} }),
    );
    expect(back.mask).toBeUndefined();
    expect(back.variance).toBeUndefined();
    expect(() =>
      exposureToFits({ width: 2, height: 2, image: new Float32Array(3), header: {} }, ctx),
    ).toThrow(/test dataset: Exposure.image has 3 pixels, expected 2 x 2 = 4/);
    expect(() =>
      exposureToFits(
        { width: 1, height: 1, image: new Float32Array(1), mask: new Int32Array(2), header: {} },
        ctx,
      ),
    ).toThrow(/mask must be an Int32Array of 1 pixels/);
    expect(() =>
      exposureToFits(
        { width: 1, height: 1, image: new Float32Array(1), header: { BAD: {} as unknown as string } },
        ctx,
      ),
    ).toThrow(/header card BAD/);
  });
});

describe('Catalog formatter', () => {
  it('round-trips Float64, Int32 and string columns with meta through an Arrow IPC file', () => {
    const c = {
      columns: {
        ra: Float64Array.from([150.1, 150.2, NaN]),
        id: Int32Array.from([1, 2, -3]),
        band: ['g', 'r', 'ünïcode'],
      },
      meta: { visit: '12', pipeline: 'DRP' },
    };
    const bytes = catalogToArrow(c);
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('ARROW1');
    const back = catalogFromArrow(bytes);
    expect(back.columns.ra).toBeInstanceOf(Float64Array);
    expect(back.columns.id).toBeInstanceOf(Int32Array);
    expect(back).toEqual(c);
    expect(tableFromIPC(bytes).numRows).toBe(3);
  });

  it('handles empty catalogs and rejects ragged or mistyped columns', () => {
    expect(catalogFromArrow(catalogToArrow({ columns: {} }))).toEqual({ columns: {} });
    const empty = catalogFromArrow(catalogToArrow({ columns: { x: new Float64Array(0) } }));
    expect(empty.columns.x).toHaveLength(0);
    expect(() => catalogToArrow({ columns: { a: new Float64Array(2), b: new Int32Array(3) } }, ctx)).toThrow(
      /differ in length \(a: 2, b: 3\)/,
    );
    expect(() => catalogToArrow({ columns: { a: [1, 2] as unknown as string[] } }, ctx)).toThrow(
      /column "a" must be/,
    );
    expect(() => catalogFromArrow(new Uint8Array([1, 2, 3]), ctx)).toThrow(DatastoreError);
  });
});

describe('StructuredData and Plot formatters', () => {
  it('round-trips JSON values', async () => {
    const v = { a: [1, 2, { b: 'c' }], n: null, t: true };
    expect(await jsonFormatter.read(await jsonFormatter.write(v, ctx), ctx)).toEqual(v);
    expect(() => jsonFormatter.write(undefined, ctx)).toThrow(/not JSON-serialisable/);
    expect(() => jsonFormatter.read(new TextEncoder().encode('{oops'), ctx)).toThrow(
      /test dataset: not valid JSON/,
    );
  });

  it('passes PNG bytes through and checks the signature', async () => {
    expect(await plotFormatter.write(PNG, ctx)).toBe(PNG);
    expect(() => plotFormatter.write(new Uint8Array([1, 2, 3]), ctx)).toThrow(/PNG signature/);
    expect(() => plotFormatter.write('not bytes', ctx)).toThrow(/Uint8Array/);
    expect(() => plotFormatter.read(new Uint8Array(10), ctx)).toThrow(/not a PNG/);
  });
});

describe('formatter registry', () => {
  it('finds built-ins and daf_butler aliases, suggests names for typos', () => {
    expect(getFormatter('Exposure').extension).toBe('.fits');
    expect(getFormatter('ExposureF').extension).toBe('.fits');
    expect(getFormatter('Catalog').extension).toBe('.arrow');
    expect(getFormatter('StructuredData').extension).toBe('.json');
    expect(getFormatter('Plot').extension).toBe('.png');
    expect(() => getFormatter('Exposre')).toThrow(
      /unknown storage class "Exposre" \(did you mean "Exposure"\?\)/,
    );
  });

  it('accepts new formatters', async () => {
    registerFormatter('Text', {
      storageClass: 'Text',
      extension: '.txt',
      write: (v) => new TextEncoder().encode(String(v)),
      read: (b) => new TextDecoder().decode(b),
    });
    const f = getFormatter('Text');
    expect(await f.read(await f.write('hi', ctx), ctx)).toBe('hi');
  });
});
