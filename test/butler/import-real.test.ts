/**
 * daf_butler's own test exports (read from the installed package and from the daf_butler mirror,
 * never copied here), imported into quanta and into the real Butler: the same records per
 * element (times, regions and hashes included), collections, dataset types and datasets.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { createButler } from '../../src/butler/index.js';
import { importExport } from '../../src/butler/import.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { counts, quantaDump, realButler } from './transfer-dump.js';

const lsst = probeService('lsst');
const pg = probeService('postgres');
const venv = lsst.env.QUANTA_LSST_VENV ?? '';
const DATA = `${venv}/lib/python3.11/site-packages/lsst/daf/butler/tests/registry_data`;
const MIRROR = '/work/.mirror/lsst+daf_butler/repo';

/** The groups daf_butler's tests load together (spatial and datasets need base's instrument). */
const GROUPS: string[][] = [
  ['base.yaml'],
  ['base.yaml', 'datasets.yaml'],
  ['base.yaml', 'spatial.yaml'],
  ['ci_hsc-subset.yaml'],
  ['ci_hsc-subset.yaml', 'ci_hsc-subset-skymap.yaml'],
  ['ci_hsc-subset-skymap.yaml'],
  ['hsc-rc2-subset-v0.yaml'],
  ['lsstcam-subset.yaml'],
];

function suite(pgUrl?: string): void {
  let tmp: string;
  const files = (g: string[]) => g.map((f) => (f.startsWith('/') ? f : join(DATA, f)));
  const name = (what: string) => join(tmp, `${what}-${Math.random().toString(36).slice(2)}`);
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'quanta-import-real-'));
  });

  const check = async (group: string[]): Promise<void> => {
    const theirs = await realButler(venv, name('real'), files(group));
    const b = await createButler(name('quanta'), pgUrl ? { registry: pgUrl } : {});
    try {
      for (const f of files(group)) await importExport(b, f);
      const ours = await quantaDump(b);
      expect(counts(ours)).toEqual(counts(theirs));
      expect(Object.values(counts(ours)).reduce((a, n) => a + n, 0)).toBeGreaterThan(0);
      for (const el of Object.keys(theirs.records)) expect(ours.records[el], el).toEqual(theirs.records[el]);
      expect(ours.collections).toEqual(theirs.collections);
      expect(ours.dataset_types).toEqual(theirs.dataset_types);
      expect(ours.datasets).toEqual(theirs.datasets);
      expect(ours.tagged).toEqual(theirs.tagged);
    } finally {
      await b.close();
    }
  };

  for (const group of GROUPS) it(`${group.join(' + ')}: same contents`, () => check(group), 120_000);

  // the mirror is a development aid (fetch lsst/daf_butler); the installed files are the suite
  it.skipIf(!existsSync(MIRROR))(
    'hsc-rc2-subset.yaml of the daf_butler mirror: same contents',
    async () => {
      const file = join(tmp, 'hsc-rc2-subset.yaml');
      writeFileSync(
        file,
        execFileSync('git', [`--git-dir=${MIRROR}`, 'show', 'HEAD:tests/data/registry/hsc-rc2-subset.yaml'], {
          maxBuffer: 1 << 26,
        }),
      );
      await check([file]);
    },
    180_000,
  );
}

describeWithService('lsst', lsst, "daf_butler's test exports in quanta (SQLite) and in the real Butler", () =>
  suite(),
);

if (lsst.available)
  describeWithService(
    'postgres',
    pg,
    "daf_butler's test exports in quanta (PostgreSQL) and in the real Butler",
    () => suite(pg.env.QUANTA_PG_URL),
  );
