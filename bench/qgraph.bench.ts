// `npm run bench -- qgraph [--visits N] [--detectors N] [--source memory|registry|both] [--repo DIR]`:
// quantum-graph build for the seed's query shape (default 200 visits x 189 detectors, the three
// single-frame tasks: 113,400 quanta; `--visits 1800` gives 1,020,600). Scenarios: `memory` (the
// pure builder on an in-memory data source) and `registry` (a synthetic SQLite repository made
// with the registry API, through the real adapter). Each run is a fresh child process, so peak
// RSS is that run's own. Prints medians of QUANTA_BENCH_RUNS (default 3) runs.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg as osLoadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPipeline } from '../src/pipeline/load.js';
import { buildQuantumGraph } from '../src/qgraph/builder.js';
import { loadQuantumGraph, saveQuantumGraph } from '../src/qgraph/file.js';
import type { QGDataSource } from '../src/qgraph/types.js';
import { openButler } from '../src/butler/index.js';
import { regionsOverlap as overlaps } from '../src/butler/region.js';
import { quantumCount } from '../src/qgraph/quantum-table.js';
import { pipelineDimensions, registrySource } from '../src/qgraph/registry-source.js';
import type { PipelineTaskNode } from '../src/pipeline/types.js';
import { memorySource, toyRows } from '../test/qgraph/memory-source.js';
import { DEFAULTS, makeToyRepo } from '../test/qgraph/toy-repo.js';

const RUNS = Number(process.env.QUANTA_BENCH_RUNS ?? 3);

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

function count(name: string, fallback: number): number {
  const n = Number(option(name, String(fallback)));
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench qgraph: --${name} wants a positive integer`);
  return n;
}

// the seed's shape: a list of 200 visit ids, all 189 detectors
const VISITS = Array.from({ length: count('visits', 200) }, (_, i) => 2340 + 7 * i);
const DETECTORS = Array.from({ length: count('detectors', 189) }, (_, i) => i);
const SOURCES = option('source', 'both');
const QUERY = `instrument='ToyCam' and visit in (${VISITS.join(',')})`;
const PIPELINE = join(import.meta.dirname, '..', 'test', 'pipeline', 'fixtures', 'DRP.yaml#singleFrame');

interface Sample {
  quanta: number;
  buildS: number;
  peakRssMB: number;
  fileMB: number;
  saveS: number;
  /** decode the file (quanta as columns) */
  openS: number;
  /** decode plus making every quantum object (graph.quanta) */
  loadS: number;
}

function memoryScenario(): QGDataSource {
  const rows = toyRows(VISITS, DETECTORS);
  return memorySource({
    rows,
    patches: [],
    vdr: [],
    inputs: {
      raw: rows.map((r) => ({
        id: randomUUID(),
        dataId: { instrument: 'ToyCam', exposure: r.exposure, detector: r.detector },
        run: 'ToyCam/raw/all',
        path: `ToyCam/raw/all/raw/${r.exposure}/raw_${r.exposure}_${r.detector}.fits`,
      })),
    },
    outputRun: {},
  });
}

async function openSyntheticSource(
  repo: string,
  tasks: PipelineTaskNode[],
): Promise<{ source: QGDataSource; close: () => Promise<void> }> {
  const butler = await openButler(repo);
  const source = registrySource({
    universe: butler.universe,
    registry: butler.registry,
    inputCollections: [DEFAULTS],
    outputRun: 'u/bench/sfp/run',
    where: QUERY,
    // as prepare.ts (`quanta qgraph`) does: one data-ID query over the pipeline's dimensions
    allDimensions: pipelineDimensions(tasks),
    pathFor: (ref) => butler.datastore.pathFor(ref),
  });
  return { source, close: () => butler.close() };
}

async function child(scenario: string, repo: string): Promise<Sample> {
  const pipeline = await loadPipeline(PIPELINE);
  const opened =
    scenario === 'memory'
      ? { source: memoryScenario(), close: async () => {} }
      : await openSyntheticSource(repo, pipeline.tasks);
  const t0 = performance.now();
  const { graph } = await buildQuantumGraph(pipeline.tasks, opened.source, {
    outputRun: 'u/bench/sfp/run',
    inputCollections: ['ToyCam/defaults'],
    overlaps,
  });
  const buildS = (performance.now() - t0) / 1000;
  await opened.close();
  const dir = mkdtempSync(join(tmpdir(), 'quanta-qg-bench-'));
  const file = join(dir, 'qgraph.qg');
  const t1 = performance.now();
  const size = saveQuantumGraph(graph, file);
  const saveS = (performance.now() - t1) / 1000;
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  const quanta = quantumCount(graph);
  // a user's load happens in a process of its own (quanta run, qgraph show): time it in one,
  // not in this one, whose heap still holds the graph it built
  const opens: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--load', file], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`bench load child failed: ${r.stderr}`);
    const t = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      openS: number;
      loadS: number;
      quanta: number;
    };
    if (t.quanta !== quanta) throw new Error('load mismatch');
    opens.push(t.openS);
    loads.push(t.loadS);
  }
  rmSync(dir, { recursive: true, force: true });
  return {
    quanta,
    buildS,
    peakRssMB,
    fileMB: size / 1e6,
    saveS,
    openS: median(opens),
    loadS: median(loads),
  };
}

function loadavg(): string {
  return osLoadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const scenarios = SOURCES === 'both' ? ['memory', 'registry'] : [SOURCES];
  if (!scenarios.every((x) => x === 'memory' || x === 'registry'))
    throw new Error('bench qgraph: --source wants memory, registry or both');
  // --repo DIR keeps the synthetic repository (making 340,200 raws takes minutes) for later runs
  const kept = option('repo', '');
  const repoDir = kept || mkdtempSync(join(tmpdir(), 'quanta-qg-repo-'));
  const shape = `${VISITS.length} visits x ${DETECTORS.length} detectors`;
  const stamp = join(repoDir, 'bench-shape.txt');
  if (kept && existsSync(stamp) && readFileSync(stamp, 'utf8') === shape) {
    process.stdout.write(`synthetic SQLite repo: ${shape}, reused from ${repoDir}\n`);
  } else {
    if (kept && existsSync(repoDir) && readdirSync(repoDir).length > 0)
      throw new Error(`bench qgraph: --repo ${repoDir} is not empty and holds no repository of ${shape}`);
    const t = performance.now();
    const repo = await makeToyRepo(repoDir, { visits: VISITS, detectors: DETECTORS });
    await repo.butler.close();
    if (kept) writeFileSync(stamp, shape);
    process.stdout.write(
      `synthetic SQLite repo: ${shape}, ${repo.raws} raws (made in ${((performance.now() - t) / 1000).toFixed(1)} s)\n`,
    );
  }
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    const samples: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(
        process.execPath,
        [
          ...process.execArgv,
          import.meta.filename,
          '--child',
          scenario,
          repoDir,
          '--visits',
          String(VISITS.length),
          '--detectors',
          String(DETECTORS.length),
        ],
        { encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      if (r.status !== 0) {
        process.stderr.write(r.stderr);
        throw new Error(`bench child (${scenario}) failed`);
      }
      samples.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as Sample);
    }
    const m = (k: keyof Sample): number => median(samples.map((s) => s[k]));
    rows.push([
      scenario,
      String(m('quanta')),
      m('buildS').toFixed(2),
      m('peakRssMB').toFixed(0),
      m('fileMB').toFixed(1),
      m('saveS').toFixed(2),
      m('openS').toFixed(2),
      m('loadS').toFixed(2),
    ]);
  }
  if (!kept) rmSync(repoDir, { recursive: true, force: true });
  const head = ['source', 'quanta', 'build s', 'peak RSS MB', 'file MB', 'save s', 'open s', 'load s'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(
    `\nmedians of ${RUNS} runs, loadavg ${loadavg()} (issue 17 at 1e6 quanta: build < 30 s, peak < 1024 MB, save < 3 s, load < 2 s)\n${line(head)}\n${rows.map(line).join('\n')}\n`,
  );
}

function loadChild(file: string): { openS: number; loadS: number; quanta: number } {
  const t = performance.now();
  const g = loadQuantumGraph(file);
  const openS = (performance.now() - t) / 1000;
  const n = g.quanta.length;
  return { openS, loadS: (performance.now() - t) / 1000, quanta: n };
}

const at = process.argv.indexOf('--child');
const loadAt = process.argv.indexOf('--load');
if (loadAt >= 0) {
  process.stdout.write(`${JSON.stringify(loadChild(process.argv[loadAt + 1]))}\n`);
} else if (at >= 0) {
  const sample = await child(process.argv[at + 1], process.argv[at + 2]);
  process.stdout.write(`${JSON.stringify(sample)}\n`);
} else {
  await main();
}
