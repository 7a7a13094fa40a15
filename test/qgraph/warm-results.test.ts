/**
 * A task quantum run in a warm worker sends its outputs (ids and checksums) back with its end
 * instead of writing `<quantumFile>.result.json`, through the pilot's protocol too; a cold one (its
 * own process) writes that file and the manager reads it. Either way the registry records the
 * sha256 of every output file.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_FILE } from '../../src/butler/index.js';
import { runWorkflow } from '../../src/engine/run.js';
import { parseWorkflow } from '../../src/engine/workflow.js';
import type { Executor } from '../../src/engine/executor.js';
import { noneLauncher } from '../../src/executors/launchers/none.js';
import { LocalExecutor } from '../../src/executors/local/local-executor.js';
import { localProvider } from '../../src/executors/providers/local.js';
import { prepareRun } from '../../src/qgraph/prepare.js';
import { createExecutor } from '../../src/run/executor.js';
import { makeToyRepo } from './toy-repo.js';

const root = join(import.meta.dirname, '..', '..');
const pipeline = join(root, 'test', 'pipeline', 'fixtures', 'DRP.yaml');
let dir: string;
let repo: string;

function bpsYaml(name: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `pipelineYaml: "${pipeline}#singleFrame"`,
      'requestMemory: 1024',
      'payload:',
      `  payloadName: ${name}`,
      `  butlerConfig: ${repo}`,
      '  inCollection: ToyCam/defaults',
      `  dataQuery: "instrument='ToyCam' and visit in (10, 11)"`,
      '',
    ].join('\n'),
  );
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quanta-warm-results-'));
  repo = join(dir, 'repo');
  mkdirSync(repo);
  const { butler } = await makeToyRepo(repo, { visits: [10, 11], detectors: [0, 1], rawFiles: true });
  await butler.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

type Kind = 'local warm' | 'local cold' | 'pilot';

function executor(kind: Kind, runId: string, submitDir: string): Executor {
  if (kind !== 'pilot')
    return new LocalExecutor({ cores: 2, memoryMB: 4096, runId, warmTaskWorkers: kind === 'local warm' });
  const site = { workerMemoryMB: 4096, workerCores: 2 };
  const pilot = { listenHost: '127.0.0.1' };
  const name = 'pilot';
  return createExecutor(
    { name, provider: localProvider(), launcher: noneLauncher, site, pilot },
    { runId, submitDir },
  );
}

async function runOnce(kind: Kind) {
  const run = await prepareRun(bpsYaml(kind.replace(' ', '-')), { env: { ...process.env, USER: 'tester' } });
  const wf = parseWorkflow(JSON.parse(readFileSync(run.workflowPath, 'utf8')));
  const summary = await runWorkflow({
    submitDir: run.submitDir,
    executor: ({ runId, submitDir }) => executor(kind, runId, submitDir),
  });
  const db = new Database(join(repo, SQLITE_FILE), { readonly: true });
  try {
    const rows = db
      .prepare(
        'SELECT l.dataset_id AS id, l.path, l.checksum FROM dataset d JOIN dataset_location l ON l.dataset_id = d.id WHERE d.run = ?',
      )
      .all(run.outputRun) as { id: string; path: string; checksum: string | null }[];
    return { summary, wf, rows };
  } finally {
    db.close();
  }
}

describe('task results of warm and cold quanta', () => {
  for (const kind of ['local warm', 'local cold', 'pilot'] as const) {
    const warm = kind !== 'local cold';
    it(`registers every output with its sha256: ${kind}, ${warm ? 'no' : 'with'} result files`, async () => {
      const { summary, wf, rows } = await runOnce(kind);
      expect(summary.status).toBe('succeeded');
      const predicted = wf.jobs.flatMap((j) => j.outputs ?? []);
      expect(predicted.length).toBeGreaterThan(0);
      expect(rows.map((r) => r.id).sort()).toEqual(predicted.map((o) => o.id).sort());
      for (const r of rows) {
        const bytes = readFileSync(join(repo, r.path));
        expect(r.checksum, r.path).toBe(createHash('sha256').update(bytes).digest('hex'));
      }
      for (const j of wf.jobs) expect(existsSync(`${j.task!.quantumFile}.result.json`), j.id).toBe(!warm);
    });
  }
});
