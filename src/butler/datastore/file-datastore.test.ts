import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { DatastoreError } from '../../errors.js';
import type { Catalog, Exposure } from '../formatters/index.js';
import { FileDatastore, type DatastoreRef } from './file-datastore.js';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const dataId = {
  instrument: 'ToyCam',
  visit: 12,
  detector: 3,
  band: 'r',
  physical_filter: 'ToyCam-r',
  day_obs: 20250101,
};

function ref(datasetType: string, storageClass: string, extra: Partial<DatastoreRef> = {}): DatastoreRef {
  return { datasetType, storageClass, run: 'u/alice/run1', dataId, ...extra };
}

/** Every file below `dir`, relative. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}

describe('FileDatastore', () => {
  let root: string;
  let ds: FileDatastore;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'datastore-'));
    ds = new FileDatastore(root);
  });

  it('puts and gets an Exposure, returning the sha256 and size of the file', async () => {
    const exposure: Exposure = {
      width: 4,
      height: 3,
      image: Float32Array.from({ length: 12 }, (_, i) => i / 2),
      mask: new Int32Array(12).fill(1),
      variance: new Float32Array(12).fill(0.25),
      header: { INSTRUME: 'ToyCam', VISIT: 12 },
    };
    const r = ref('calexp', 'Exposure');
    const stored = await ds.put(exposure, r);
    expect(stored.path).toBe('u/alice/run1/calexp/r/20250101/calexp_ToyCam_ToyCam-r_12_3.fits');
    const bytes = readFileSync(join(root, stored.path));
    expect(stored.size).toBe(bytes.length);
    expect(stored.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await ds.get(r)).toEqual(exposure);
    expect(await ds.get(stored.path, 'Exposure')).toEqual(exposure);
    expect(await ds.get({ ...r, path: stored.path })).toEqual(exposure);
  });

  it('round-trips Catalog, StructuredData and Plot', async () => {
    const catalog: Catalog = {
      columns: { x: Float64Array.from([1, 2]), n: Int32Array.from([3, 4]), s: ['a', 'b'] },
      meta: { k: 'v' },
    };
    const values: [string, unknown, string][] = [
      ['Catalog', catalog, '.arrow'],
      ['StructuredData', { metrics: [1, 2], ok: true }, '.json'],
      ['Plot', PNG, '.png'],
    ];
    for (const [storageClass, value, ext] of values) {
      const r = ref(`t${storageClass}`, storageClass);
      const stored = await ds.put(value, r);
      expect(stored.path.endsWith(ext)).toBe(true);
      const back = await ds.get(stored.path, storageClass);
      if (value instanceof Uint8Array) expect(Array.from(back as Uint8Array)).toEqual(Array.from(value));
      else expect(back).toEqual(value);
    }
  });

  it('writes to a predicted ref.path and overwrites an existing file atomically', async () => {
    const r = ref('metrics', 'StructuredData', { path: 'u/alice/run1/predicted/metrics.json' });
    await ds.put({ v: 1 }, r);
    const second = await ds.put({ v: 2 }, r);
    expect(second.path).toBe('u/alice/run1/predicted/metrics.json');
    expect(await ds.get(r)).toEqual({ v: 2 });
    expect(listFiles(root)).toEqual(['u/alice/run1/predicted/metrics.json']);
  });

  it('refuses to read or write outside the root', async () => {
    for (const path of ['../outside.json', 'a/../../outside.json', '/etc/passwd.json', '.', '', 'a\0b']) {
      await expect(ds.put({}, ref('x', 'StructuredData', { path })), path).rejects.toThrow(DatastoreError);
    }
    await expect(ds.get('../../etc/passwd', 'StructuredData')).rejects.toThrow(
      /resolves outside the repository root/,
    );
    await expect(ds.put({}, ref('x', 'StructuredData', { run: '../../escape' }))).rejects.toThrow(/run name/);
    await expect(
      ds.put({}, ref('x', 'StructuredData', { dataId: { instrument: '../../../tmp/pwned' } })),
    ).resolves.toMatchObject({
      path: 'u/alice/run1/x/x_%2E.%2F..%2F..%2Ftmp%2Fpwned.json',
    });
    expect(listFiles(root)).toEqual(['u/alice/run1/x/x_%2E.%2F..%2F..%2Ftmp%2Fpwned.json']);
  });

  it('a write that fails before the rename leaves no final file and no temp file', async () => {
    const r = ref('metrics', 'StructuredData');
    const path = ds.pathFor(r);
    // A directory squats on the final name, so the rename fails after the temp file was written.
    mkdirSync(join(root, path), { recursive: true });
    await expect(ds.put({ v: 1 }, r)).rejects.toThrow();
    const dir = join(root, path, '..');
    expect(readdirSync(dir)).toEqual([path.split('/').pop()]);
    expect(listFiles(root)).toEqual([]);
  });

  it('a value the formatter rejects writes nothing at all', async () => {
    await expect(ds.put(new Uint8Array([1, 2, 3]), ref('plot', 'Plot'))).rejects.toThrow(/PNG signature/);
    await expect(
      ds.put({ width: 2, height: 2, image: new Float32Array(1), header: {} }, ref('calexp', 'Exposure')),
    ).rejects.toThrow(
      /dataset calexp@\{instrument: 'ToyCam'.*\} in run u\/alice\/run1: Exposure.image has 1 pixels/,
    );
    expect(listFiles(root)).toEqual([]);
  });

  it('readers never see a partial file while it is being replaced', async () => {
    const r = ref('big', 'StructuredData');
    const values = [0, 1, 2, 3, 4, 5].map((v) => ({ v, pad: 'x'.repeat(200_000 + v) }));
    await ds.put(values[0], r);
    const abs = join(root, ds.pathFor(r));
    let reads = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const parsed = JSON.parse(readFileSync(abs, 'utf8')) as { v: number; pad: string };
        expect(parsed.pad.length).toBe(200_000 + parsed.v);
        reads++;
        await new Promise((res) => setImmediate(res));
      }
    })();
    for (const v of values.slice(1)) await ds.put(v, r);
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(readdirSync(join(abs, '..')).filter((n) => n.startsWith('.tmp-'))).toEqual([]);
  });

  it('reports a missing file and an unknown storage class clearly', async () => {
    await expect(ds.get(ref('calexp', 'Exposure'))).rejects.toThrow(
      /cannot read dataset calexp@.*the file does not exist/,
    );
    await expect(ds.get('a/b.fits', 'Exposre')).rejects.toThrow(/did you mean "Exposure"/);
    writeFileSync(join(root, 'junk.fits'), 'not fits at all'.repeat(10));
    await expect(ds.get('junk.fits', 'Exposure')).rejects.toThrow(/junk\.fits: not a FITS file/);
  });

  it('exists and remove work on refs and paths', async () => {
    const r = ref('metrics', 'StructuredData');
    expect(await ds.exists(r)).toBe(false);
    const { path } = await ds.put([1], r);
    expect(await ds.exists(path)).toBe(true);
    await ds.remove(r);
    expect(existsSync(join(root, path))).toBe(false);
    await ds.remove(r); // already gone: fine
  });
});
