// butler parity: query-datasets without --collections searches every collection (as
// `butler query-datasets` does), and the butler commands exit with the codes docs/errors.md gives.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/error-codes.js';
import { expectCatalogueExit } from '../helpers/exit-code.js';
import { makeToyRepo, RAW_RUN } from '../qgraph/toy-repo.js';

const root = join(import.meta.dirname, '..', '..');
let dir: string;
let repo: string;

function butler(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin', 'quanta.js'), 'butler', ...args], {
    encoding: 'utf8',
    cwd: dir,
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quanta-butler-exit-'));
  repo = join(dir, 'repo');
  mkdirSync(repo);
  const { butler: b } = await makeToyRepo(repo, { visits: [10, 11], detectors: [0, 1] });
  // a run that no chain holds: only a search of all collections finds its dataset
  await b.registry.registerRun('u/me/extra');
  await b.registry.insertDatasets('raw', 'u/me/extra', [
    { dataId: { instrument: 'ToyCam', exposure: 10, detector: 0 }, path: 'u/me/extra/raw_10_0.fits' },
  ]);
  await b.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Ds = { run: string; id: string };

describe('butler query-datasets without --collections', () => {
  it('searches every collection, each dataset once, as --collections "*" does', () => {
    const r = butler('query-datasets', repo, 'raw', '--json');
    expect(r.status, r.stderr).toBe(0);
    const all = JSON.parse(r.stdout) as Ds[];
    expect(all).toHaveLength(5);
    expect(new Set(all.map((d) => d.id)).size).toBe(5);
    expect(all.filter((d) => d.run === 'u/me/extra')).toHaveLength(1);
    expect(all.filter((d) => d.run === RAW_RUN)).toHaveLength(4);
    const star = JSON.parse(
      butler('query-datasets', repo, 'raw', '--collections', '*', '--json').stdout,
    ) as Ds[];
    expect(star.map((d) => d.id).sort()).toEqual(all.map((d) => d.id).sort());
    const chain = JSON.parse(
      butler('query-datasets', repo, 'raw', '--collections', 'ToyCam/defaults', '--json').stdout,
    ) as Ds[];
    expect(chain).toHaveLength(4);
  });
});

describe('butler exit codes', () => {
  it('exits 2 for a bad command line (unknown option or command, missing argument), as click does', () => {
    for (const args of [
      ['query-datasets', repo, 'raw', '--bogus'],
      ['query-datasets'],
      ['query-everything', repo],
      ['ingest', repo, join(dir, 'x.fits')],
    ]) {
      const r = butler(...args);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(EXIT_CODES.usage);
      expect(r.stderr, args.join(' ')).toMatch(/^error: /);
    }
    expect(butler('query-datasets', '--help').status).toBe(0);
  });

  it('exits 3 for anything named that does not exist: collection, dataset type, instrument, repository', () => {
    const cases: [string[], string][] = [
      [['query-datasets', repo, 'raw', '--collections', 'nope'], 'REGISTRY_UNKNOWN_COLLECTION'],
      [['query-datasets', repo, 'rawx'], 'REGISTRY_UNKNOWN_DATASET_TYPE'],
      [['define-visits', repo, 'NoCam'], 'INSTRUMENT_UNKNOWN'],
      [['export', repo, join(dir, 'e.yaml'), '--collections', 'nope'], 'EXPORT_COLLECTION'],
      [['export', repo, join(dir, 'e.yaml'), '--dataset-types', 'flat'], 'REGISTRY_UNKNOWN_DATASET_TYPE'],
      [['remove-runs', repo, 'nope', '--no-confirm'], 'REGISTRY_UNKNOWN_COLLECTION'],
      [['query-collections', join(dir, 'nothing')], 'REPO_NOT_FOUND'],
    ];
    for (const [args, code] of cases) {
      const r = butler(...args);
      expect(expectCatalogueExit(r.status, r.stderr, args.join(' '))).toBe(code);
      expect(r.status, args.join(' ')).toBe(EXIT_CODES['not-found']);
    }
  });

  it('exits 2 for bad input and 4 for a conflict', () => {
    const bad = butler('query-datasets', repo, 'raw', '--find-first');
    expect(expectCatalogueExit(bad.status, bad.stderr)).toBe('FIND_FIRST_COLLECTIONS');
    expect(bad.status).toBe(2);
    const again = butler('create', repo);
    expect(expectCatalogueExit(again.status, again.stderr)).toBe('REPO_EXISTS');
    expect(again.status).toBe(4);
  });
});
