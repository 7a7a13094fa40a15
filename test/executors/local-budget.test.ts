// `parsl_config.worker_options: "--memory=4000 --cores=2"` sizes the local executor as it sizes a
// pilot worker (the demo's 4000 MB, not the machine's total); `--memory`/`--cores` win.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openJournalReadOnly } from '../../src/engine/journal-read.js';
import { prepareRun } from '../../src/qgraph/prepare.js';
import { LocalExecutor } from '../../src/executors/local/local-executor.js';
import { createExecutor, type ExecutorChoice } from '../../src/run/executor.js';
import { quantaBin } from '../engine/helpers.js';
import { makeToyRepo } from '../qgraph/toy-repo.js';

const pipeline = join(import.meta.dirname, '..', 'pipeline', 'fixtures', 'DRP.yaml');
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quanta-local-budget-'));
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  const { butler } = await makeToyRepo(repo, { visits: [10], detectors: [0], rawFiles: true });
  await butler.close();
  writeFileSync(
    join(dir, 'bps.yaml'),
    [
      `pipelineYaml: "${pipeline}#isr"`,
      'requestMemory: 500',
      'payload:',
      '  payloadName: budget',
      `  butlerConfig: ${repo}`,
      '  inCollection: ToyCam/defaults',
      `  dataQuery: "instrument='ToyCam' and visit = 10"`,
      'parsl_config:',
      '  provider: Local',
      "  worker_options: '--memory=4000 --cores=2'",
      `submitPath: ${join(dir, 'submit')}`,
      '',
    ].join('\n'),
  );
});

describe('the local executor and worker_options', () => {
  it('takes its budget from worker_options unless --memory/--cores say otherwise', () => {
    const site = { workerMemoryMB: 4000, workerCores: 2 };
    const worker = (choice: ExecutorChoice) => {
      const e = createExecutor(choice, { runId: 'r', submitDir: dir });
      expect(e).toBeInstanceOf(LocalExecutor);
      return (e as LocalExecutor).worker;
    };
    expect(worker({ name: 'local', site })).toMatchObject({ memoryMB: 4000, cores: 2 });
    expect(worker({ name: 'local', site, memoryMB: 3000, cores: 1 })).toMatchObject({
      memoryMB: 3000,
      cores: 1,
    });
  });

  it('runs a prepared run with the 4000 MB and 2 cores of worker_options, as the journal shows', async () => {
    const run = await prepareRun(join(dir, 'bps.yaml'), { env: { ...process.env, USER: 'tester' } });
    // the submit dir and what it holds are the owner's
    expect(statSync(run.submitDir).mode & 0o777).toBe(0o700);
    for (const f of ['config.yaml', 'workflow.json', 'summary.json'])
      expect(statSync(join(run.submitDir, f)).mode & 0o777).toBe(0o600);
    const r = spawnSync(process.execPath, [quantaBin(), 'restore', run.submitDir, '--json'], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const j = openJournalReadOnly(run.submitDir);
    try {
      expect(j.workers()).toEqual([expect.objectContaining({ id: 'local', memory_mb: 4000, cores: 2 })]);
    } finally {
      j.close();
    }
  });
});
