import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exposureFromFits } from '../../src/butler/formatters/exposure.js';
import { openButler } from '../../src/butler/butler.js';
import { prepareRepo } from './demo.js';

const root = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'toycam-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function quanta(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'quanta.js'), ...args], { env, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the ToyCam demo end to end', () => {
  let visits: number[] = [];

  it('generates raws with real headers and ingests everything the pipeline needs', async () => {
    visits = await prepareRepo({ dir, visits: 3, detectors: 2 });
    expect(visits).toEqual([1000, 1001, 1002]);
    const raw = exposureFromFits(new Uint8Array(readFileSync(join(dir, 'raw', 'raw_1001_01.fits'))));
    expect(raw.header).toMatchObject({
      INSTRUME: 'ToyCam',
      EXPID: 1001,
      DETECTOR: 1,
      FILTER: 'r_toy',
      IMAGETYP: 'science',
      CTYPE1: 'RA---TAN',
      EXPTIME: 30,
    });
    expect(typeof raw.header['MJD-OBS']).toBe('number');
    expect(raw.width).toBe(400);
    const b = await openButler(join(dir, 'repo'));
    try {
      expect(await b.registry.findDatasets('raw', { collections: ['ToyCam/defaults'] })).toHaveLength(6);
      expect(await b.registry.findDatasets('flat', { collections: ['ToyCam/defaults'] })).toHaveLength(6);
      expect(
        await b.registry.findDatasets('toycam_refcat', { collections: ['ToyCam/defaults'] }),
      ).toHaveLength(1);
    } finally {
      await b.close();
    }
  });

  it('runs the DRP with quanta submit and every output is queryable, with residuals within tolerance', async () => {
    const env = {
      ...process.env,
      TOYCAM_REPO: join(dir, 'repo'),
      TOYCAM_DIR: dir,
      TOYCAM_VISITS: visits.join(','),
    };
    const sub = quanta(['submit', join(root, 'examples', 'toycam', 'bps.yaml'), '--json'], env);
    expect(sub.status, sub.stderr).toBe(0);
    const summary = JSON.parse(sub.stdout) as { status: string };
    expect(summary.status).toBe('succeeded');
    const runs = JSON.parse(
      quanta(['butler', 'query-collections', join(dir, 'repo'), 'u/*', '--json']).stdout,
    ) as { name: string }[];
    const run = runs.map((r) => r.name).find((n) => n.startsWith('u/'))!;
    const q = (type: string): unknown[] =>
      JSON.parse(
        quanta(['butler', 'query-datasets', join(dir, 'repo'), type, '--collections', run, '--json']).stdout,
      ) as unknown[];
    expect(q('calexp')).toHaveLength(6);
    expect(q('deepCoadd').length).toBeGreaterThan(0);
    expect(q('deepCoadd_forced_src').length).toBe(q('deepCoadd').length);
    expect(q('forced_photometry_plot')).toHaveLength(3);
    const b = await openButler(join(dir, 'repo'));
    try {
      for (const ref of await b.registry.findDatasets('src_residuals_summary', { collections: [run] })) {
        const s = (await b.datastore.get(ref.path!, 'StructuredData')) as {
          n: number;
          dmagRms: number;
          astromRmsMas: number;
        };
        expect(s.n).toBeGreaterThanOrEqual(5);
        expect(s.dmagRms).toBeLessThan(0.02);
        expect(s.astromRmsMas).toBeLessThan(60);
      }
    } finally {
      await b.close();
    }
  });
});
