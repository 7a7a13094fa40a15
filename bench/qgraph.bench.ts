// `npm run bench -- qgraph`: quantum-graph build for the seed's query shape (200 visits x 189
// detectors, the three single-frame tasks: about 113k quanta). Scenarios: `memory` (the pure
// builder on an in-memory data source) and `registry` (a synthetic SQLite repository made with
// the registry API, through the real adapter). Each run is a fresh child process, so peak RSS
// is that run's own. Prints medians of several runs.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPipeline } from '../src/pipeline/load.js';
import { buildQuantumGraph } from '../src/qgraph/builder.js';
import { loadQuantumGraph, saveQuantumGraph } from '../src/qgraph/file.js';
import type { QGDataSource } from '../src/qgraph/types.js';
import { openButler } from '../src/butler/index.js';
import { regionsOverlap as overlaps } from '../src/butler/region.js';
import { registrySource } from '../src/qgraph/registry-source.js';
import { memorySource, toyRows } from '../test/qgraph/memory-source.js';
import { DEFAULTS, makeToyRepo } from '../test/qgraph/toy-repo.js';

const RUNS = Number(process.env.QUANTA_BENCH_RUNS ?? 3);
// the seed's shape: a list of 200 visit ids, all 189 detectors
const VISITS = Array.from({ length: 200 }, (_, i) => 2340 + 7 * i);
const DETECTORS = Array.from({ length: 189 }, (_, i) => i);
const QUERY = `instrument='ToyCam' and visit in (${VISITS.join(',')})`;
const PIPELINE = join(import.meta.dirname, '..', 'test', 'pipeline', 'fixtures', 'DRP.yaml#singleFrame');

interface Sample {
  quanta: number;
  buildS: number;
  peakRssMB: number;
  fileMB: number;
  saveS: number;
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
): Promise<{ source: QGDataSource; close: () => Promise<void> }> {
  const butler = await openButler(repo);
  const source = registrySource({
    universe: butler.universe,
    registry: butler.registry,
    inputCollections: [DEFAULTS],
    outputRun: 'u/bench/sfp/run',
    where: QUERY,
    pathFor: (ref) => butler.datastore.pathFor(ref),
  });
  return { source, close: () => butler.close() };
}

async function child(scenario: string, repo: string): Promise<Sample> {
  const pipeline = await loadPipeline(PIPELINE);
  const opened =
    scenario === 'memory'
      ? { source: memoryScenario(), close: async () => {} }
      : await openSyntheticSource(repo);
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
  const loads: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t2 = performance.now();
    const g = loadQuantumGraph(file);
    loads.push((performance.now() - t2) / 1000);
    if (g.quanta.length !== graph.quanta.length) throw new Error('load mismatch');
  }
  rmSync(dir, { recursive: true, force: true });
  return { quanta: graph.quanta.length, buildS, peakRssMB, fileMB: size / 1e6, saveS, loadS: median(loads) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const scenarios = ['memory', 'registry'];
  const repoDir = mkdtempSync(join(tmpdir(), 'quanta-qg-repo-'));
  const t = performance.now();
  const repo = await makeToyRepo(repoDir, { visits: VISITS, detectors: DETECTORS });
  await repo.butler.close();
  process.stdout.write(
    `synthetic SQLite repo: ${VISITS.length} visits x ${DETECTORS.length} detectors, ${repo.raws} raws (made in ${((performance.now() - t) / 1000).toFixed(1)} s)\n`,
  );
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    const samples: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = spawnSync(
        process.execPath,
        [...process.execArgv, import.meta.filename, '--child', scenario, repoDir],
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
      m('loadS').toFixed(2),
    ]);
  }
  rmSync(repoDir, { recursive: true, force: true });
  const head = ['source', 'quanta', 'build s', 'peak RSS MB', 'file MB', 'save s', 'load s'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(
    `\nmedians of ${RUNS} runs (targets: build in seconds, load < 1 s, peak < 1024 MB)\n${line(head)}\n${rows.map(line).join('\n')}\n`,
  );
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
  const sample = await child(process.argv[at + 1], process.argv[at + 2]);
  process.stdout.write(`${JSON.stringify(sample)}\n`);
} else {
  await main();
}
