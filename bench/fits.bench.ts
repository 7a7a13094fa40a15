/**
 * FITS and datastore throughput: Exposure -> FITS bytes, FITS bytes -> Exposure, and a full
 * datastore put (serialise + atomic write + fsync + sha256) and get, for a 2k x 4k detector
 * (LSSTCam-sized CCD: 4072 x 4000 is similar) with mask and variance planes.
 * `npm run bench -- fits [--size 2048x4096] [--reps 5]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileDatastore } from '../src/butler/datastore/index.js';
import { exposureFromFits, exposureToFits, type Exposure } from '../src/butler/formatters/index.js';

const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const [width, height] = arg('size', '2048x4096').split('x').map(Number);
const reps = Number(arg('reps', '5'));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const n = width * height;
const exposure: Exposure = {
  width,
  height,
  image: Float32Array.from({ length: n }, (_, i) => (i % 1000) * 0.5),
  mask: Int32Array.from({ length: n }, (_, i) => i % 7),
  variance: new Float32Array(n).fill(4),
  header: {
    INSTRUME: 'ToyCam',
    VISIT: 1,
    DETECTOR: 0,
    CTYPE1: 'RA---TAN',
    CTYPE2: 'DEC--TAN',
    CRVAL1: 150,
    CRVAL2: 2,
  },
};

const root = mkdtempSync(join(tmpdir(), 'quanta-bench-fits-'));
const ds = new FileDatastore(root);
const ref = {
  datasetType: 'calexp',
  run: 'bench',
  dataId: { instrument: 'ToyCam', visit: 1, detector: 0 },
  storageClass: 'Exposure',
};
const times: Record<string, number[]> = { encode: [], decode: [], put: [], get: [] };
let bytes: Uint8Array = new Uint8Array(0);
for (let r = 0; r < reps; r++) {
  let t = performance.now();
  bytes = exposureToFits(exposure);
  times.encode.push(performance.now() - t);
  t = performance.now();
  exposureFromFits(bytes);
  times.decode.push(performance.now() - t);
  t = performance.now();
  await ds.put(exposure, ref);
  times.put.push(performance.now() - t);
  t = performance.now();
  await ds.get(ref);
  times.get.push(performance.now() - t);
}
rmSync(root, { recursive: true, force: true });

const mb = bytes.length / 1e6;
const rows = [['operation', 'median ms', 'MB/s', 'reps']];
for (const [op, xs] of Object.entries(times)) {
  const m = median(xs);
  rows.push([op, m.toFixed(1), (mb / (m / 1000)).toFixed(0), String(xs.length)]);
}
const w = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
process.stdout.write(`Exposure ${width}x${height} with mask+variance: ${mb.toFixed(1)} MB of FITS\n`);
for (const row of rows) process.stdout.write(`${row.map((c, i) => c.padEnd(w[i])).join('  ')}\n`);
