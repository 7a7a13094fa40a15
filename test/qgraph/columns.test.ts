import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BlobReader,
  BlobWriter,
  bytesToUuids,
  readDataIdColumns,
  uuidsToBytes,
  writeDataIdColumns,
} from '../../src/qgraph/columns.js';

describe('QG file columns', () => {
  it('round-trips any data IDs (ints, big numbers, strings, absent values)', () => {
    const value = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string());
    const dataId = fc.dictionary(fc.constantFrom('instrument', 'visit', 'detector', 'band', 'patch'), value);
    fc.assert(
      fc.property(fc.array(dataId, { maxLength: 30 }), (ids) => {
        const w = new BlobWriter();
        const cols = writeDataIdColumns(w, ids);
        const back = readDataIdColumns(new BlobReader(w.concat()), cols, ids.length);
        expect(back).toEqual(
          ids.map((d) =>
            Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Object.is(v, -0) ? 0 : v])),
          ),
        );
      }),
    );
  });

  it('stores UUIDs as 16 bytes each', () => {
    fc.assert(
      fc.property(fc.array(fc.uuid(), { maxLength: 20 }), (ids) => {
        const bytes = uuidsToBytes(ids);
        expect(bytes.length).toBe(16 * ids.length);
        expect(bytesToUuids(Buffer.from(bytes), ids.length)).toEqual(ids.map((s) => s.toLowerCase()));
      }),
    );
  });
});
