/**
 * `quanta butler` parity with the real `butler` for what DESC users type: query-dataset-types,
 * query-dimension-records, globs in collection and dataset-type arguments, --bind, -d, --order-by,
 * --limit, query-collections --chains, and remove-runs that lists, asks and only then removes.
 * End to end through bin/quanta.js (built by the global setup).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportYaml } from './files.js';
import { expectCatalogueExit } from '../helpers/exit-code.js';

const bin = fileURLToPath(new URL('../../bin/quanta.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function quanta(...args: string[]): Run {
  const r = spawnSync(process.execPath, [bin, 'butler', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function ok(...args: string[]): string {
  const r = quanta(...args);
  expect(r.stderr.replace(/quanta: warning:.*\n/g, ''), args.join(' ')).toBe('');
  expect(r.code, args.join(' ')).toBe(0);
  return r.stdout;
}

function json<T = unknown>(...args: string[]): T {
  return JSON.parse(ok(...args, '--json')) as T;
}

/** Runs the command with stdin a terminal (util-linux `script`), typing `input`. */
function onTty(input: string, ...args: string[]): Run {
  const cmd = [process.execPath, bin, 'butler', ...args]
    .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
    .join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout.replace(/\r/g, ''), stderr: r.stderr };
}
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs u/me/a (calexp for every visit x detector) and u/me/b (two), chained as u/me = [b, a]. */
function userRunsYaml(dir: string): string {
  const uuid = (n: number) => `00000000-0000-4000-8000-${String(100 + n).padStart(12, '0')}`;
  const calexps = (run: string, ids: [number, number][], first: number) => ({
    type: 'dataset',
    dataset_type: 'calexp',
    run,
    records: ids.map(([visit, detector], i) => ({
      dataset_id: [`!uuid:${uuid(first + i)}`],
      data_id: [{ instrument: 'ToyCam', visit, detector }],
      path: `${run}/calexp/${visit}_${detector}.fits`,
    })),
  });
  const all: [number, number][] = [1000, 1001, 1002].flatMap((v) =>
    [0, 1].map((d): [number, number] => [v, d]),
  );
  const data = [
    { type: 'collection', collection_type: 'RUN', name: 'u/me/a' },
    { type: 'collection', collection_type: 'RUN', name: 'u/me/b' },
    { type: 'collection', collection_type: 'CHAINED', name: 'u/me', children: ['u/me/b', 'u/me/a'] },
    {
      type: 'dataset_type',
      name: 'calexp',
      dimensions: ['instrument', 'visit', 'detector'],
      storage_class: 'ExposureF',
    },
    { type: 'dataset_type', name: 'calexp_config', dimensions: [], storage_class: 'Config' },
    calexps('u/me/a', all, 0),
    calexps(
      'u/me/b',
      [
        [1000, 0],
        [1001, 1],
      ],
      10,
    ),
  ];
  const text = dump({
    description: 'test',
    version: '1.0.2',
    universe_version: 7,
    universe_namespace: 'daf_butler',
    data,
  }).replace(/["']?!uuid:([0-9a-f-]{36})["']?/g, "!uuid '$1'");
  const file = join(dir, 'user-runs.yaml');
  writeFileSync(file, text);
  return file;
}

describe('quanta butler queries with globs, --bind, -d, --order-by and --limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-cli-queries-'));
  const repo = join(dir, 'repo');
  beforeAll(() => {
    ok('create', repo);
    quanta('import', repo, exportYaml(dir, { visits: 3, detectors: 2 }));
    ok('import', repo, userRunsYaml(dir));
  });

  it('lists dataset types by glob, with dimensions and storage class under --verbose', () => {
    expect(ok('query-dataset-types', repo).split('\n')).toEqual([
      'name',
      '-------------',
      'calexp',
      'calexp_config',
      'raw',
      '',
    ]);
    expect(json<{ name: string }[]>('query-dataset-types', repo, 'calexp*').map((t) => t.name)).toEqual([
      'calexp',
      'calexp_config',
    ]);
    expect(json('query-dataset-types', repo, '[!c]?w')).toEqual([
      {
        name: 'raw',
        dimensions: ['instrument', 'detector', 'exposure'],
        storageClass: 'Exposure',
        isCalibration: false,
      },
    ]);
    const verbose = ok('query-dataset-types', repo, 'cal?xp', '--verbose');
    expect(verbose.split('\n')[0]).toMatch(/^name\s+dimensions\s+storage class$/);
    expect(verbose).toMatch(/calexp\s+instrument, detector, visit\s+ExposureF/);
    // only the types with datasets in the collections (chains flattened)
    expect(
      json<{ name: string }[]>('query-dataset-types', repo, '--collections', 'u/me').map((t) => t.name),
    ).toEqual(['calexp']);
    expect(ok('query-dataset-types', repo, 'nothing*')).toBe('no dataset types match\n');
  });

  it('queries dimension records with --where, --bind, -d, --order-by and --limit', () => {
    const det = json<Record<string, unknown>[]>('query-dimension-records', repo, 'detector');
    expect(det.map((r) => r.id)).toEqual([0, 1]);
    expect(det[0]).toMatchObject({ instrument: 'ToyCam', id: 0, full_name: 'D0' });
    const exp = json<{ id: number }[]>(
      'query-dimension-records',
      repo,
      'exposure',
      '--where',
      "instrument = 'ToyCam' AND exposure.id > :low",
      '--bind',
      'low=1000',
      '--order-by',
      '-exposure',
    );
    expect(exp.map((r) => r.id)).toEqual([1002, 1001]);
    expect(
      json<{ id: number }[]>(
        'query-dimension-records',
        repo,
        'exposure',
        '--order-by',
        'physical_filter,-id',
      ).map((r) => r.id),
    ).toEqual([1002, 1000, 1001]);
    const vdr = json<Record<string, unknown>[]>(
      'query-dimension-records',
      repo,
      'visit_detector_region',
      '-d',
      'instrument=ToyCam',
      '-d',
      'visit=1001',
      '-d',
      'detector=1',
    );
    expect(vdr).toHaveLength(1);
    expect(vdr[0]).toMatchObject({ instrument: 'ToyCam', visit: 1001, detector: 1 });
    // the table elides regions, as butler does
    expect(
      ok(
        'query-dimension-records',
        repo,
        'visit_detector_region',
        '-d',
        'instrument=ToyCam,visit=1001,detector=1',
      ),
    ).toMatch(/ToyCam\s+1\s+1001\s+\(elided\)/);
    // --limit: positive cuts silently, negative warns when it cuts
    expect(json('query-dimension-records', repo, 'exposure', '--limit', '1')).toHaveLength(1);
    const capped = quanta('query-dimension-records', repo, 'exposure', '--limit', '-2', '--json');
    expect(JSON.parse(capped.stdout)).toHaveLength(2);
    expect(capped.stderr).toMatch(/warning: more exposure records match than the limit of 2/);
    // only records of data IDs that have datasets of the types
    expect(
      json<{ id: number }[]>(
        'query-dimension-records',
        repo,
        'visit',
        '--datasets',
        'calexp',
        '--collections',
        'u/me/b',
      ).map((r) => r.id),
    ).toEqual([1000, 1001]);
  });

  it('takes -d, --bind, --order-by and dataset-type globs in query-data-ids', () => {
    const ids = json<Record<string, number>[]>(
      'query-data-ids',
      repo,
      'visit',
      'detector',
      '-d',
      'instrument=ToyCam,detector=1',
      '--where',
      'visit >= :v',
      '--bind',
      'v=1001',
      '--order-by',
      '-visit',
    );
    expect(ids.map((d) => `${d.visit}.${d.detector}`)).toEqual(['1002.1', '1001.1']);
    // a list value for IN
    expect(
      json(
        'query-data-ids',
        repo,
        'visit',
        '--where',
        "instrument = 'ToyCam' AND visit IN (:vs)",
        '--bind',
        'vs=1000,1002',
      ),
    ).toHaveLength(2);
    // no dimensions: those of the --datasets types (a glob); with the dimensionless calexp_config
    // too, which has no dataset in u/me/b, nothing matches
    const withCalexp = json<Record<string, number>[]>(
      'query-data-ids',
      repo,
      '--datasets',
      'cal?xp',
      '--collections',
      'u/*/b',
    );
    expect(withCalexp.map((d) => `${d.visit}.${d.detector}`)).toEqual(['1000.0', '1001.1']);
    expect(json('query-data-ids', repo, '--datasets', 'calexp*', '--collections', 'u/*/b')).toEqual([]);
    expect(json('query-data-ids', repo, 'detector', '--datasets', 'calexp*', '--collections', 'u/*')).toEqual(
      [],
    );
  });

  it('queries datasets by type glob in glob-matched collections, all or find-first, with URIs', () => {
    type Ds = { id: string; run: string; datasetType: string; dataId: Record<string, number>; uri?: string };
    const all = json<Ds[]>('query-datasets', repo, 'calexp', '--collections', 'u/me');
    expect(all).toHaveLength(8); // 6 in u/me/a and 2 in u/me/b: butler's default is --no-find-first
    const first = json<Ds[]>('query-datasets', repo, 'calexp', '--collections', 'u/me', '--find-first');
    expect(first).toHaveLength(6);
    expect(
      first.filter((d) => d.run === 'u/me/b').map((d) => `${d.dataId.visit}.${d.dataId.detector}`),
    ).toEqual(['1000.0', '1001.1']);
    // every type, every collection by default; globs in both arguments
    expect(json<Ds[]>('query-datasets', repo)).toHaveLength(14);
    expect(
      json<Ds[]>(
        'query-datasets',
        repo,
        'c?lexp',
        'r[a-z]w',
        '--collections',
        'u/me/[b]',
        '--collections',
        'ToyCam/*',
        '-d',
        'instrument=ToyCam,detector=1',
      ).map((d) => `${d.datasetType}@${d.run}`),
    ).toEqual(['calexp@u/me/b', 'raw@ToyCam/raw/all', 'raw@ToyCam/raw/all', 'raw@ToyCam/raw/all']);
    const uri = json<Ds[]>(
      'query-datasets',
      repo,
      'calexp',
      '--collections',
      'u/me/b',
      '--show-uri',
      '--order-by',
      '-visit',
      '--limit',
      '1',
    );
    expect(uri).toHaveLength(1);
    expect(uri[0].uri).toBe(`file://${repo}/u/me/b/calexp/1001_1.fits`);
    // the table: one per dataset type, type/run/id and the identifying dimensions
    const table = ok(
      'query-datasets',
      repo,
      'calexp',
      'raw',
      '--collections',
      'u/me/b,ToyCam/defaults',
      '--where',
      "instrument = 'ToyCam' AND detector = 0",
    );
    expect(table).toMatch(/^type\s+run\s+id\s+instrument\s+detector\s+visit\n/);
    expect(table).toMatch(/\n\ntype\s+run\s+id\s+instrument\s+detector\s+exposure\n/);
  });

  it('shows collections as butler --chains does, filtered by glob and --collection-type', () => {
    expect(json<{ name: string }[]>('query-collections', repo, 'u/*').map((c) => c.name)).toEqual([
      'u/me',
      'u/me/a',
      'u/me/b',
    ]);
    expect(
      json<{ name: string }[]>('query-collections', repo, 'u/*', '--collection-type', 'RUN').map(
        (c) => c.name,
      ),
    ).toEqual(['u/me/a', 'u/me/b']);
    expect(ok('query-collections', repo, 'u/me').split('\n').slice(2, 5)).toEqual([
      'u/me      CHAINED',
      '  u/me/b  RUN',
      '  u/me/a  RUN',
    ]);
    expect(ok('query-collections', repo, 'u/me', '--chains', 'table')).toMatch(
      /u\/me\s+CHAINED\s+u\/me\/b\n\s+u\/me\/a\n/,
    );
    expect(ok('query-collections', repo, 'u/me/a', '--chains', 'inverse-table')).toMatch(
      /u\/me\/a\s+RUN\s+u\/me\n/,
    );
    expect(
      json<{ name: string }[]>(
        'query-collections',
        repo,
        'u/me',
        'ToyCam/defaults',
        '--chains',
        'flatten',
      ).map((c) => c.name),
    ).toEqual(['ToyCam/raw/all', 'u/me/b', 'u/me/a']);
  });

  it('exports the datasets selected by glob and where, and the export imports into a new repo', () => {
    const file = join(dir, 'selected.yaml');
    const rep = json<{ datasets: number; datasetTypes: number; collections: number }>(
      'export',
      repo,
      file,
      '--collections',
      'u/me/?',
      '--dataset-types',
      'cal?xp',
      '--where',
      "instrument = 'ToyCam' AND detector = 1",
    );
    expect(rep).toMatchObject({ datasets: 4, datasetTypes: 1 });
    const copy = join(dir, 'copy');
    ok('create', copy);
    ok('import', copy, file);
    const ds = json<{ run: string; dataId: { detector: number } }[]>('query-datasets', copy, 'calexp');
    expect(ds.map((d) => `${d.run}:${d.dataId.detector}`).sort()).toEqual([
      'u/me/a:1',
      'u/me/a:1',
      'u/me/a:1',
      'u/me/b:1',
    ]);
  });

  it('rejects bad input with one paragraph and exit code 2', () => {
    const cases: [string[], RegExp][] = [
      [
        ['query-dimension-records', repo, 'visitt'],
        /Unknown dimension element "visitt" \(did you mean "visit"\?\)/,
      ],
      [['query-data-ids', repo, 'visit', '--bind', 'v1000'], /--bind "v1000" is not NAME=VALUE/],
      [['query-data-ids', repo, 'visit', '--bind', '1v=3'], /--bind "1v=3" is not NAME=VALUE/],
      [['query-data-ids', repo, 'visit', '-d', 'vist=3'], /"vist" is not a dimension/],
      [['query-datasets', repo, 'calexp', '-d', 'visit=abc'], /visit must be an integer/],
      [['query-collections', repo, 'u/[z-a]'], /Glob "u\/\[z-a\]" is not valid: the range "z-a"/],
      [['query-datasets', repo, 'calexp', '--collections', 'u/me/[9-0]'], /BAD_GLOB/],
      [['query-collections', repo, 'u/mee'], /Collection "u\/mee" does not exist \(did you mean "u\/me"\?\)/],
      [
        ['query-datasets', repo, 'calexp', '--find-first', '--collections', 'u/*'],
        /--find-first needs --collections .* without globs/,
      ],
      [
        ['query-datasets', repo, 'calexpp'],
        /Dataset type "calexpp" is not registered \(did you mean "calexp"\?\)/,
      ],
      [
        ['query-dimension-records', repo, 'exposure', '--order-by', 'nope'],
        /--order-by nope: "nope" is not a column/,
      ],
      [['query-dimension-records', repo, 'exposure', '--limit', 'ten'], /--limit ten is not an integer/],
      [['query-collections', repo, '--chains', 'forest'], /--chains forest is not one of/],
      [['remove-runs', repo, 'u/me'], /"u\/me" is CHAINED, not a RUN/],
    ];
    for (const [args, re] of cases) {
      const r = quanta(...args);
      expectCatalogueExit(r.code, r.stderr, args.join(' '));
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('refuses a dimension value without its instrument (--where or -d) in one paragraph, exit code 2', () => {
    const never = join(dir, 'never.yaml');
    const cases: [string[], RegExp][] = [
      [['query-data-ids', repo, 'visit', '--where', 'visit > 1000'], /constrains visit, which depends on/],
      [['query-datasets', repo, 'calexp', '-d', 'detector=1'], /constrains detector, which depends on/],
      [
        ['query-dimension-records', repo, 'exposure', '--where', "exposure.obs_id = 'x'"],
        /constrains exposure\.obs_id, which/,
      ],
      [['export', repo, never, '--where', 'detector = 1'], /constrains detector, which/],
    ];
    for (const [args, re] of cases) {
      const r = quanta(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toMatch(
        /^quanta: error \[QUERY_GOVERNOR_UNCONSTRAINED\] The query constrains .* without constraining instrument itself; add instrument = '\.\.\.' to the where clause/,
      );
      expect(r.stderr, args.join(' ')).toMatch(re);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(never)).toBe(false);
  });
});

describe('quanta butler remove-runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-cli-remove-'));
  let n = 0;
  /** A fresh repo with the ToyCam raws and the u/me runs; the datastore files exist. */
  function freshRepo(): string {
    const repo = join(dir, `repo${n++}`);
    ok('create', repo);
    quanta('import', repo, exportYaml(dir, { visits: 3, detectors: 2 }));
    ok('import', repo, userRunsYaml(dir));
    mkdirSync(join(repo, 'u/me/a/calexp'), { recursive: true });
    writeFileSync(join(repo, 'u/me/a/calexp/1000_0.fits'), 'x');
    return repo;
  }
  const runs = (repo: string) =>
    json<{ name: string; type: string }[]>('query-collections', repo)
      .filter((c) => c.type === 'RUN')
      .map((c) => c.name);

  it('refuses without a terminal unless --no-confirm, and needs --force for runs in chains', () => {
    const repo = freshRepo();
    const r = quanta('remove-runs', repo, 'u/me/*');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /would remove 2 runs \(8 datasets\) and asks first, but stdin is not a terminal: pass --no-confirm/,
    );
    const chained = quanta('remove-runs', repo, 'u/me/*', '--no-confirm');
    expect(chained.code).toBe(2);
    expect(chained.stderr).toMatch(
      /"u\/me\/a" \(in u\/me\), "u\/me\/b" \(in u\/me\) are members of CHAINED collections.*--force/,
    );
    expect(runs(repo)).toEqual(['ToyCam/raw/all', 'u/me/a', 'u/me/b']);
    expect(json('remove-runs', repo, 'u/me/?', '--no-confirm', '--force')).toEqual({
      runs: ['u/me/a', 'u/me/b'],
      datasets: 8,
      byType: { calexp: 8 },
      removed: true,
    });
    expect(runs(repo)).toEqual(['ToyCam/raw/all']);
    expect(existsSync(join(repo, 'u/me/a/calexp/1000_0.fits'))).toBe(false);
    expect(json('query-collections', repo, 'u/me')).toEqual([
      { name: 'u/me', type: 'CHAINED', children: [] },
    ]);
    expect(ok('remove-runs', repo, 'nothing*', '--no-confirm')).toBe('No RUN collections match.\n');
  });

  it.skipIf(!hasScript)(
    'lists the runs and datasets, asks, and removes nothing when the answer is no',
    () => {
      const repo = freshRepo();
      const no = onTty('n\n', 'remove-runs', repo, 'u/me/a', 'u/me/b');
      expect(no.code).toBe(0);
      expect(no.stdout).toMatch(/Will remove 2 RUN collections and 8 datasets: calexp \(8\)\./);
      expect(no.stdout).toMatch(
        /run\s+datasets\s+unlinked from chains\n[- ]+\nu\/me\/a\s+6\s+u\/me\nu\/me\/b\s+2\s+u\/me\n/,
      );
      expect(no.stdout).toMatch(/Continue\? \[y\/N\] /);
      expect(no.stdout).toMatch(/Aborted: nothing was removed/);
      expect(runs(repo)).toEqual(['ToyCam/raw/all', 'u/me/a', 'u/me/b']);
      expect(existsSync(join(repo, 'u/me/a/calexp/1000_0.fits'))).toBe(true);
      // an empty answer is no as well
      expect(onTty('\n', 'remove-runs', repo, 'u/me/a').stdout).toMatch(/Aborted/);
      expect(runs(repo)).toEqual(['ToyCam/raw/all', 'u/me/a', 'u/me/b']);

      const yes = onTty('y\n', 'remove-runs', repo, 'u/me/a');
      expect(yes.code).toBe(0);
      expect(yes.stdout).toMatch(/Removed 1 RUN collection and 6 datasets: calexp \(6\)\./);
      expect(runs(repo)).toEqual(['ToyCam/raw/all', 'u/me/b']);
      expect(existsSync(join(repo, 'u/me/a/calexp/1000_0.fits'))).toBe(false);
    },
  );
});
