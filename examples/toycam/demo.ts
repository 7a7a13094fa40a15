/**
 * The ToyCam demo, end to end: create a repository, register the instrument and skymap,
 * generate and ingest raws, calibrations, the reference catalog and the truth, define visits,
 * chain ToyCam/defaults, run `quanta submit examples/toycam/bps.yaml` (the real CLI, so the user
 * sees the same progress display as for their own runs), and print a summary.
 * Run through `quanta demo` (which starts this module under tsx) or `node --import tsx demo.ts`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createButler, openButler } from '../../src/butler/butler.js';
import { defineVisits } from '../../src/butler/define-visits.js';
import { ingestRaws } from '../../src/butler/ingest.js';
import { registerInstrument } from '../../src/butler/instrument.js';
import { registerSkymap } from '../../src/butler/skymap.js';
import { createUniqueDir } from '../../src/config/unique-dir.js';
import { UsageError } from '../../src/errors.js';
import { generateSurvey } from './generate.js';
import { refToColumns, skyToColumns } from './lib/sky.js';
import type { Butler } from '../../src/butler/butler.js';
import { quantaCommand } from '../../src/util/cli-hint.js';
import type { Plane } from './lib/image.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');

export interface DemoOptions {
  dir: string;
  visits: number;
  detectors: number;
  /** stop after preparing the repository (no submit) */
  prepareOnly?: boolean;
}

const step = (msg: string): void => void process.stderr.write(`demo: ${msg}\n`);

async function putAll(
  b: Butler,
  run: string,
  datasetType: string,
  storageClass: string,
  items: { dataId: Record<string, string | number>; value: unknown }[],
): Promise<void> {
  const stored = [];
  for (const it of items) {
    const f = await b.datastore.put(it.value, { datasetType, run, dataId: it.dataId, storageClass });
    stored.push({ dataId: it.dataId, path: f.path, checksum: f.checksum, size: f.size });
  }
  await b.registry.insertDatasets(datasetType, run, stored);
}

const asExposure = (p: Plane, header: Record<string, string | number>): unknown => ({
  width: p.width,
  height: p.height,
  image: p.image,
  header,
});

/** Build the repository with every input the pipeline needs; returns the visit ids. */
export async function prepareRepo(o: DemoOptions): Promise<number[]> {
  const repo = join(o.dir, 'repo');
  if (existsSync(repo))
    throw new UsageError(
      'DEMO_EXISTS',
      `${repo} already exists; remove it or pass another --dir to quanta demo.`,
      { file: repo },
    );
  step(`creating repository ${repo}`);
  const b = await createButler(repo);
  try {
    await registerInstrument(b, join(here, 'instrument.yaml'));
    await registerSkymap(b, join(here, 'skymap.yaml'));
    step(`generating ${o.visits} visits x ${o.detectors} detectors of raws (seeded synthetic sky)`);
    const survey = generateSurvey({ dir: o.dir, visits: o.visits, detectors: o.detectors });
    step(
      `${survey.sky.length} true objects, ${survey.ref.id.length} reference stars; ingesting ${survey.rawFiles.length} raws`,
    );
    await ingestRaws(b, survey.rawFiles, { run: 'ToyCam/raw/all' });
    const r = b.registry;
    await r.registerDatasetType({
      name: 'bias',
      dimensions: ['instrument', 'detector'],
      storageClass: 'Exposure',
      isCalibration: true,
    });
    await r.registerDatasetType({
      name: 'flat',
      dimensions: ['instrument', 'detector', 'physical_filter'],
      storageClass: 'Exposure',
      isCalibration: true,
    });
    await r.registerDatasetType({
      name: 'toycam_refcat',
      dimensions: ['instrument'],
      storageClass: 'Catalog',
    });
    await r.registerDatasetType({
      name: 'truth_summary',
      dimensions: ['instrument'],
      storageClass: 'Catalog',
    });
    for (const run of ['ToyCam/calib', 'refcats', 'ToyCam/truth']) await r.registerRun(run);
    await putAll(
      b,
      'ToyCam/calib',
      'bias',
      'Exposure',
      survey.calibs
        .filter((c) => c.datasetType === 'bias')
        .map((c) => ({
          dataId: { instrument: 'ToyCam', detector: c.detector },
          value: asExposure(c.plane, { INSTRUME: 'ToyCam', DETECTOR: c.detector, IMAGETYP: 'bias' }),
        })),
    );
    await putAll(
      b,
      'ToyCam/calib',
      'flat',
      'Exposure',
      survey.calibs
        .filter((c) => c.datasetType === 'flat')
        .map((c) => ({
          dataId: { instrument: 'ToyCam', detector: c.detector, physical_filter: c.physicalFilter! },
          value: asExposure(c.plane, {
            INSTRUME: 'ToyCam',
            DETECTOR: c.detector,
            FILTER: c.physicalFilter!,
            IMAGETYP: 'flat',
          }),
        })),
    );
    await putAll(b, 'refcats', 'toycam_refcat', 'Catalog', [
      {
        dataId: { instrument: 'ToyCam' },
        value: { columns: refToColumns(survey.ref), meta: { source: 'truth + noise' } },
      },
    ]);
    await putAll(b, 'ToyCam/truth', 'truth_summary', 'Catalog', [
      { dataId: { instrument: 'ToyCam' }, value: { columns: skyToColumns(survey.sky) } },
    ]);
    const v = await defineVisits(b, 'ToyCam');
    step(`defined ${v.visits} visits`);
    await r.setCollectionChain('ToyCam/defaults', [
      'ToyCam/raw/all',
      'ToyCam/calib',
      'refcats',
      'ToyCam/truth',
    ]);
    return survey.visits.map((x) => x.id);
  } finally {
    await b.close();
  }
}

/** One line per residual summary the analysis tasks wrote (the science check of the run). */
async function scienceSummary(repo: string, run: string): Promise<string[]> {
  const b = await openButler(repo);
  try {
    const lines: string[] = [];
    for (const type of ['src_residuals_summary', 'forced_residuals_summary']) {
      const refs = await b.registry.findDatasets(type, { collections: [run] }).catch(() => []);
      for (const ref of refs) {
        if (!ref.path) continue;
        const s = (await b.datastore.get(ref.path, 'StructuredData')) as {
          label: string;
          n: number;
          dmagRms: number;
          astromRmsMas: number;
        };
        const where =
          ref.dataId.visit !== undefined ? `visit ${ref.dataId.visit}` : `tract ${ref.dataId.tract}`;
        lines.push(
          `science:      ${s.label.padEnd(9)} ${where.padEnd(11)} ${String(s.n).padStart(4)} bright isolated stars: mag rms ${(s.dmagRms * 100).toFixed(2)}%, astrometry rms ${s.astromRmsMas.toFixed(1)} mas`,
        );
      }
    }
    return lines;
  } finally {
    await b.close();
  }
}

function newestSubmitDir(dir: string): string | undefined {
  const base = join(dir, 'submit');
  if (!existsSync(base)) return undefined;
  let best: { p: string; t: number } | undefined;
  const walk = (p: string, depth: number): void => {
    if (existsSync(join(p, 'journal.sqlite3'))) {
      const t = statSync(p).mtimeMs;
      if (!best || t > best.t) best = { p, t };
      return;
    }
    if (depth > 5) return;
    for (const e of readdirSync(p, { withFileTypes: true }))
      if (e.isDirectory()) walk(join(p, e.name), depth + 1);
  };
  walk(base, 0);
  return best?.p;
}

function quanta(args: string[], env: NodeJS.ProcessEnv, capture = false): { status: number; stdout: string } {
  const res = spawnSync(process.execPath, [join(root, 'bin', 'quanta.js'), ...args], {
    env,
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
  });
  return { status: res.status ?? 1, stdout: res.stdout ?? '' };
}

export async function runDemo(o: DemoOptions): Promise<number> {
  const t0 = Date.now();
  const dir = resolve(o.dir);
  const visits = await prepareRepo({ ...o, dir });
  const prepMs = Date.now() - t0;
  if (o.prepareOnly) return 0;
  const env = {
    ...process.env,
    TOYCAM_REPO: join(dir, 'repo'),
    TOYCAM_DIR: dir,
    TOYCAM_VISITS: visits.join(','),
  };
  step(`running: quanta submit ${relative(process.cwd(), join(here, 'bps.yaml'))}`);
  const t1 = Date.now();
  const sub = quanta(['submit', join(here, 'bps.yaml')], env);
  const runMs = Date.now() - t1;
  const submitDir = newestSubmitDir(dir);
  process.stderr.write('\n=== ToyCam demo summary ===\n');
  process.stderr.write(`repository:   ${join(dir, 'repo')}\n`);
  process.stderr.write(
    `data:         ${visits.length} visits x ${o.detectors} detectors (prepared in ${(prepMs / 1000).toFixed(1)} s)\n`,
  );
  process.stderr.write(`pipeline run: ${(runMs / 1000).toFixed(1)} s, exit status ${sub.status}\n`);
  if (submitDir) {
    const st = quanta(['status', submitDir], env, true);
    process.stderr.write(st.stdout);
    const run = relative(join(dir, 'submit'), submitDir);
    const repo = join(dir, 'repo');
    for (const line of await scienceSummary(repo, run)) process.stderr.write(`${line}\n`);
    process.stderr.write(`wall time:    ${((Date.now() - t0) / 1000).toFixed(1)} s in total\n`);
    process.stderr.write(`submit dir:   ${submitDir}\n`);
    process.stderr.write(
      `output run:   ${run} (all outputs: ${quantaCommand('butler query-datasets', repo, 'calexp --collections', run)})\n`,
    );
    process.stderr.write(
      `plots:        ${quantaCommand('butler query-datasets', repo, 'forced_photometry_plot --collections', run)}\n`,
    );
    process.stderr.write(
      `coadds:       ${quantaCommand('butler query-datasets', repo, 'deepCoadd --collections', run)}\n`,
    );
    process.stderr.write(`report:       ${quantaCommand('report', submitDir)}\n`);
    process.stderr.write(`dashboard:    ${quantaCommand('dashboard', submitDir)}\n`);
  }
  return sub.status;
}

function parseArgs(argv: string[]): DemoOptions {
  const o: DemoOptions = { dir: '', visits: 6, detectors: 9 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError('DEMO_ARG', `${a} needs a value`);
      return v;
    };
    if (a === '--dir') o.dir = val();
    else if (a === '--visits') o.visits = Number(val());
    else if (a === '--detectors') o.detectors = Number(val());
    else if (a === '--prepare-only') o.prepareOnly = true;
    else
      throw new UsageError(
        'DEMO_ARG',
        `unknown option ${a} (known: --dir, --visits, --detectors, --prepare-only)`,
      );
  }
  if (!Number.isInteger(o.visits) || o.visits < 1)
    throw new UsageError('DEMO_ARG', '--visits must be a positive integer');
  if (!Number.isInteger(o.detectors) || o.detectors < 1 || o.detectors > 9)
    throw new UsageError('DEMO_ARG', '--detectors must be an integer from 1 to 9 (ToyCam has a 3x3 mosaic)');
  // no --dir: a fresh demo/toycam (demo/ is git-ignored), demo/toycam-<suffix> when taken
  if (!o.dir) {
    mkdirSync('demo', { recursive: true });
    o.dir = createUniqueDir(join('demo', 'toycam'));
  }
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runDemo(parseArgs(process.argv.slice(2))).then(
    (code) => process.exit(code),
    (e: unknown) => {
      const err = e as { code?: string; message?: string; stack?: string };
      process.stderr.write(err.code ? `quanta demo: ${err.message}\n` : `${err.stack ?? String(e)}\n`);
      process.exit(err.code ? 2 : 1);
    },
  );
}
