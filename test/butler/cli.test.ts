import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeWithService, probeService } from '../helpers/services.js';
import { exportYaml, instrumentYaml, skymapYaml } from './files.js';
import { expectCatalogueExit } from '../helpers/exit-code.js';

const bin = fileURLToPath(new URL('../../bin/quanta.js', import.meta.url));

function quanta(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'butler', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(...args: string[]): string {
  const r = quanta(...args);
  expect(r.stderr.replace(/quanta: warning:.*\n/g, '')).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

describe('quanta butler (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-cli-butler-'));
  const repo = join(dir, 'repo');

  it('creates a repo, imports an export and answers queries as JSON and tables', () => {
    ok('create', repo);
    expect(existsSync(join(repo, 'butler.yaml'))).toBe(true);
    const imported = quanta(
      'import',
      repo,
      exportYaml(dir, { visits: 3, detectors: 2, extras: true }),
      '--json',
    );
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({
      datasets: 6,
      collections: 2,
      dimensions: { visit_detector_region: 6 },
    });
    // unknown elements and fields are reported, not dropped silently
    expect(imported.stderr).toMatch(
      /export\.yaml:\d+: element "weather_station" is not in the quanta universe/,
    );
    expect(imported.stderr).toMatch(/field "pressure_hpa" of element "exposure" .*\(3 records\)/);

    const ids = JSON.parse(
      ok(
        'query-data-ids',
        repo,
        'visit',
        'detector',
        '--where',
        "instrument = 'ToyCam' AND visit > 1000",
        '--json',
      ),
    ) as Record<string, unknown>[];
    expect(ids).toHaveLength(4);
    expect(ids[0]).toEqual({
      instrument: 'ToyCam',
      band: 'r',
      physical_filter: 'toy-r',
      detector: 0,
      day_obs: 20240101,
      visit: 1001,
    });
    const table = ok(
      'query-data-ids',
      repo,
      'exposure',
      '--datasets',
      'raw',
      '--collections',
      'ToyCam/defaults',
    );
    expect(table.split('\n')[0]).toMatch(/^instrument\s+band\s+physical_filter\s+day_obs\s+exposure$/);
    expect(table.trim().split('\n')).toHaveLength(5);

    const ds = JSON.parse(
      ok(
        'query-datasets',
        repo,
        'raw',
        '--collections',
        'ToyCam/defaults',
        '--where',
        "instrument = 'ToyCam' and detector = 1 and exposure = 1002",
        '--json',
      ),
    );
    expect(ds).toEqual([
      {
        id: '00000000-0000-4000-8000-000000000006',
        datasetType: 'raw',
        run: 'ToyCam/raw/all',
        dataId: {
          instrument: 'ToyCam',
          detector: 1,
          exposure: 1002,
          band: 'g',
          physical_filter: 'toy-g',
          day_obs: 20240101,
        },
        path: 'ToyCam/raw/all/raw/1002/raw_1002_1.fits',
      },
    ]);

    ok('collection-chain', repo, 'all', 'ToyCam/defaults');
    const cs = JSON.parse(ok('query-collections', repo, '--json'));
    expect(cs).toContainEqual({ name: 'all', type: 'CHAINED', children: ['ToyCam/defaults'] });
    // the run is in the ToyCam/defaults chain: without a question, --force is needed
    expect(
      JSON.parse(ok('remove-runs', repo, 'ToyCam/raw/all', '--no-confirm', '--force', '--json')),
    ).toEqual({
      runs: ['ToyCam/raw/all'],
      datasets: 6,
      byType: { raw: 6 },
      removed: true,
    });
    expect(JSON.parse(ok('query-collections', repo, '--json')).map((c: { name: string }) => c.name)).toEqual([
      'ToyCam/defaults',
      'all',
    ]);
  });

  it('registers an instrument and a skymap and defines visits from the CLI', () => {
    const r2 = join(dir, 'repo2');
    ok('create', r2);
    expect(JSON.parse(ok('register-instrument', r2, instrumentYaml(dir), '--json'))).toEqual({
      instrument: 'ToyCam',
      detectors: 4,
      physicalFilters: 2,
    });
    expect(ok('register-skymap', r2, skymapYaml(dir))).toMatch(
      /registered skymap toy_skymap: 2 tracts, 32 patches/,
    );
    expect(JSON.parse(ok('define-visits', r2, 'ToyCam', '--json'))).toEqual({
      visits: 0,
      visitDetectorRegions: 0,
      skipped: 0,
    });
    expect(
      JSON.parse(
        ok('query-data-ids', r2, 'patch', '--where', "skymap = 'toy_skymap' and tract = 1", '--json'),
      ),
    ).toHaveLength(16);
  });

  it('prints one-paragraph errors with exit code 2 for bad input', () => {
    const cases: [string[], RegExp][] = [
      [['query-data-ids', join(dir, 'nope'), 'visit'], /not a quanta repository/],
      [['create', repo], /already holds a repository/],
      [['query-data-ids', repo, 'visitt'], /Unknown dimension "visitt" \(did you mean "visit"\?\)/],
      [['query-data-ids', repo, 'visit', '--where', 'visit ='], /QUERY/],
      [['query-datasets', repo, 'raw', '--collections', 'nope'], /Collection "nope" does not exist/],
      [
        ['query-datasets', repo, 'rawx', '--collections', 'all'],
        /Dataset type "rawx" is not registered \(did you mean "raw"\?\)/,
      ],
      [['collection-chain', repo, 'ToyCam/defaults', 'all'], /cycle/],
      [['create', join(dir, 'pg'), '--registry', 'mysql://x'], /not a postgresql:\/\//],
      [['register-instrument', repo, join(dir, 'missing.yaml')], /Cannot read instrument/],
      [['import', repo, join(dir, 'bad-export.yaml')], /bad-export.yaml:\d+:\d+: not valid YAML/],
      [['define-visits', repo, 'NoCam'], /Instrument "NoCam" is not registered/],
    ];
    writeFileSync(join(dir, 'bad-export.yaml'), 'data:\n  - type: [unclosed\n');
    for (const [args, re] of cases) {
      const r = quanta(...args);
      expectCatalogueExit(r.code, r.stderr, args.join(' '));
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => !l.startsWith(' ') && !/^\^|^[a-z]+ [=]/.test(l)).length,
      ).toBeGreaterThanOrEqual(1);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
    }
  });
});

const pg = probeService('postgres');
describeWithService('postgres', pg, 'quanta butler on a PostgreSQL registry (CLI)', () => {
  it('creates a repo in its own schema and queries it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-cli-pg-'));
    const repo = join(dir, 'repo');
    const created = JSON.parse(ok('create', repo, '--registry', pg.env.QUANTA_PG_URL, '--json'));
    expect(created.registry.namespace).toMatch(/^quanta_repo_[0-9a-f]{8}$/);
    expect(created.registry.db).not.toContain(':quanta@'); // password redacted
    ok('import', repo, exportYaml(dir, { visits: 2, detectors: 3 }));
    const ids = JSON.parse(
      ok(
        'query-data-ids',
        repo,
        'visit',
        'detector',
        '--where',
        "instrument = 'ToyCam' AND detector != 1",
        '--json',
      ),
    );
    expect(ids.map((d: { visit: number; detector: number }) => `${d.visit}.${d.detector}`)).toEqual([
      '1000.0',
      '1000.2',
      '1001.0',
      '1001.2',
    ]);
  });
});
