// Clustering end to end on the ToyCam fixture: a cluster: section makes one job per visit and
// detector of isr + characterizeImage + calibrate; the outputs are those of the unclustered run,
// status counts quanta, and a restore after kill -9 runs no quantum that had finished.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openButler } from '../../src/butler/index.js';
import { quantaBin } from '../engine/helpers.js';
import { makeToyRepo } from './toy-repo.js';

const pipeline = join(import.meta.dirname, 'fixtures', 'slow-DRP.yaml');
const VISITS = [10, 11, 12];
const DETECTORS = [0, 1];
const PAIRS = VISITS.length * DETECTORS.length;
let dir: string;

const CLUSTERED = [
  'clusterAlgorithm: lsst.ctrl.bps.quantum_clustering_funcs.dimension_clustering',
  'cluster:',
  '  sfp:',
  '    pipetasks: isr, characterizeImage, calibrate',
  '    dimensions: visit, detector',
  '    equalDimensions: visit:exposure',
];

function bps(name: string, extra: string[] = []): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `pipelineYaml: "${pipeline}"`,
      'requestMemory: 500',
      `outputRun: u/tester/${name}`,
      'payload:',
      `  payloadName: ${name}`,
      `  butlerConfig: ${join(dir, 'repo')}`,
      '  inCollection: ToyCam/defaults',
      '  dataQuery: "instrument=\'ToyCam\'"',
      `submitPath: ${join(dir, 'submit', name)}`,
      ...extra,
      '',
    ].join('\n'),
  );
  return file;
}

const quanta = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [quantaBin(), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

interface Summary {
  submitDir: string;
  totals: { succeeded: number; total: number };
}

/** Output files of a run: `datasetType dataId` -> file bytes (base64), from the registry. */
async function outputsOf(run: string): Promise<Map<string, string>> {
  const butler = await openButler(join(dir, 'repo'));
  const out = new Map<string, string>();
  try {
    for (const t of ['postISRCCD', 'icExp', 'icSrc', 'calexp', 'calexpSummary']) {
      for (const ref of await butler.registry.findDatasets(t, { collections: [run] })) {
        const { instrument, exposure, visit, detector } = ref.dataId;
        const path = join(dir, 'repo', ref.path!);
        out.set(`${t} ${instrument}.${exposure ?? visit}.${detector}`, readFileSync(path).toString('base64'));
      }
    }
  } finally {
    await butler.close();
  }
  return out;
}

/** Result files of a submit dir's quanta (their completion markers): path -> mtime and inode. */
function results(submitDir: string): Map<string, string> {
  const out = new Map<string, string>();
  const root = join(submitDir, 'quanta');
  if (!existsSync(root)) return out;
  for (const label of readdirSync(root)) {
    for (const f of readdirSync(join(root, label))) {
      if (!f.endsWith('.result.json')) continue;
      const st = statSync(join(root, label, f));
      out.set(`${label}/${f}`, `${st.mtimeMs}:${st.ino}`);
    }
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quanta-cluster-'));
  mkdirSync(join(dir, 'repo'));
  const { butler } = await makeToyRepo(join(dir, 'repo'), {
    visits: VISITS,
    detectors: DETECTORS,
    rawFiles: true,
  });
  await butler.close();
});

describe('clustering (bps cluster: sections)', () => {
  it('runs N cluster jobs instead of 3N, with the outputs of the unclustered run, and status counts quanta', async () => {
    const plain = quanta(['submit', bps('plain'), '--cores', '2', '--json']);
    expect(plain.status, plain.stderr).toBe(0);
    const p = JSON.parse(plain.stdout) as Summary;
    expect(p.totals).toMatchObject({ succeeded: 3 * PAIRS, total: 3 * PAIRS });

    const clustered = quanta(['submit', bps('clustered', CLUSTERED), '--cores', '2', '--json']);
    expect(clustered.status, clustered.stderr).toBe(0);
    const c = JSON.parse(clustered.stdout) as Summary;
    expect(c.totals).toMatchObject({ succeeded: PAIRS, total: PAIRS });
    const wf = JSON.parse(readFileSync(join(c.submitDir, 'workflow.json'), 'utf8')) as {
      jobs: { id: string; label: string; requestMemory: number; outputs: unknown[] }[];
    };
    expect(wf.jobs.map((j) => j.id).sort()).toEqual(
      VISITS.flatMap((v) => DETECTORS.map((d) => `sfp_${v}_${d}`)).sort(),
    );
    expect(wf.jobs.every((j) => j.label === 'sfp' && j.outputs.length === 5)).toBe(true);
    const summary = JSON.parse(readFileSync(join(c.submitDir, 'summary.json'), 'utf8'));
    expect(summary).toMatchObject({ quanta: 3 * PAIRS, jobs: PAIRS, clusters: { sfp: PAIRS } });

    const a = await outputsOf('u/tester/plain');
    const b = await outputsOf('u/tester/clustered');
    expect(a.size).toBe(5 * PAIRS);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [k, v] of a) expect(b.get(k), k).toBe(v);

    const st = quanta(['status', c.submitDir, '--json']);
    expect(st.status, st.stderr).toBe(0);
    const s = JSON.parse(st.stdout);
    expect(s.labels).toEqual([expect.objectContaining({ label: 'sfp', succeeded: PAIRS, total: PAIRS })]);
    expect(s.quanta.totals).toMatchObject({ succeeded: 3 * PAIRS, total: 3 * PAIRS });
    expect(s.quanta.labels.map((l: { label: string; succeeded: number }) => [l.label, l.succeeded])).toEqual([
      ['isr', PAIRS],
      ['characterizeImage', PAIRS],
      ['calibrate', PAIRS],
    ]);
    const text = quanta(['status', c.submitDir]);
    expect(text.stdout).toMatch(/quanta \(18 of them in 6 cluster jobs\):\ntask +pending/);
  });

  it('restores a run killed with -9 mid-cluster without running a finished quantum again', async () => {
    const env = { ...process.env, QUANTA_TEST_QUANTUM_MS: '250' };
    const child = spawn(process.execPath, [quantaBin(), 'submit', bps('killed', CLUSTERED), '--cores', '2'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    const root = join(dir, 'submit', 'killed'); // submitPath: the submit dir itself
    const submitDir = (): string | undefined => (existsSync(join(root, 'workflow.json')) ? root : undefined);
    const until = Date.now() + 60_000;
    while (Date.now() < until && child.exitCode === null) {
      const sd = submitDir();
      if (sd && results(sd).size >= 4) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(child.exitCode, stderr).toBe(null); // still running: the kill lands mid-run
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await new Promise((r) => setTimeout(r, 1000)); // the workers notice their manager is gone
    const sd = submitDir()!;
    const before = results(sd);
    expect(before.size).toBeGreaterThanOrEqual(4);
    expect(before.size).toBeLessThan(3 * PAIRS);
    // at least one cluster had finished some of its quanta, not all: the kill was mid-cluster
    const done = (id: string) =>
      ['isr', 'characterizeImage', 'calibrate'].filter((l) =>
        [...before.keys()].some((k) => k.startsWith(`${l}/${l}.`) && k.includes(`.${id}.json`)),
      ).length;
    const partial = VISITS.flatMap((v) => DETECTORS.map((d) => done(`${v}.${d}`))).filter(
      (n) => n > 0 && n < 3,
    );
    expect(partial.length, [...before.keys()].join(' ')).toBeGreaterThan(0);

    const mid = JSON.parse(quanta(['status', sd, '--json']).stdout);
    expect(mid.quanta.totals.succeeded).toBeGreaterThanOrEqual(before.size);
    expect(mid.quanta.totals.total).toBe(3 * PAIRS);

    const restored = quanta(['restore', sd, '--cores', '2', '--json'], env);
    expect(restored.status, restored.stderr).toBe(0);
    expect(JSON.parse(restored.stdout).totals).toMatchObject({ succeeded: PAIRS, total: PAIRS });
    const after = results(sd);
    expect(after.size).toBe(3 * PAIRS);
    // every quantum that had finished before the kill kept its result file: it did not run again
    for (const [k, v] of before) expect(after.get(k), k).toBe(v);
    const logs = readdirSync(join(sd, 'logs'), { recursive: true }).map(String);
    const skippedLines = logs
      .filter((f) => f.endsWith('.log'))
      .flatMap((f) => readFileSync(join(sd, 'logs', f), 'utf8').split('\n'))
      .filter((l) => l.includes('finished in an earlier run, skipped'));
    expect(skippedLines.length).toBeGreaterThan(0);

    const s = JSON.parse(quanta(['status', sd, '--json']).stdout);
    expect(s.quanta.totals).toMatchObject({ succeeded: 3 * PAIRS, total: 3 * PAIRS });
    expect((await outputsOf('u/tester/killed')).size).toBe(5 * PAIRS);
  });
});
