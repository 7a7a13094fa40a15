/**
 * A `quanta qgraph` killed (SIGKILL) while it writes the submit dir leaves a directory that no
 * command takes for a run: it carries the `.incomplete` marker until its last file is written,
 * and status, restore and runs say that qgraph did not finish instead of showing a run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { INCOMPLETE_MARKER } from '../../src/qgraph/incomplete.js';
import { quantaBin } from '../engine/helpers.js';
import { makeToyRepo } from './toy-repo.js';

const root = join(import.meta.dirname, '..', '..');
const pipeline = join(root, 'test', 'pipeline', 'fixtures', 'DRP.yaml');
let dir: string;
let repo: string;

function bpsYaml(name: string, submitBase: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `pipelineYaml: "${pipeline}#singleFrame"`,
      `submitPath: ${submitBase}/run`,
      'payload:',
      `  payloadName: ${name}`,
      `  butlerConfig: ${repo}`,
      '  inCollection: ToyCam/defaults',
      '  dataQuery: "instrument = \'ToyCam\'"',
      '',
    ].join('\n'),
  );
  return file;
}

function quanta(args: string[]) {
  return spawnSync(process.execPath, [quantaBin(), ...args], { encoding: 'utf8' });
}

/** Runs qgraph and SIGKILLs it as soon as `file` appears in its submit dir (or when it ends). */
async function killWhen(name: string, file: string): Promise<string> {
  const base = join(dir, name);
  mkdirSync(base);
  const child = spawn(process.execPath, [quantaBin(), 'qgraph', bpsYaml(name, base)], { stdio: 'ignore' });
  const ended = new Promise<void>((r) => child.once('exit', () => r()));
  let done = false;
  void ended.then(() => (done = true));
  while (!done) {
    const runDir = join(base, 'run');
    if (existsSync(join(runDir, file))) {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setImmediate(r));
  }
  await ended;
  return join(base, 'run');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quanta-killed-qg-'));
  repo = join(dir, 'repo');
  mkdirSync(repo);
  // enough quanta that writing their files takes a while
  const { butler } = await makeToyRepo(repo, {
    visits: Array.from({ length: 20 }, (_, i) => 10 + i),
    detectors: [0, 1, 2, 3],
  });
  await butler.close();
}, 120_000);

describe('a killed quanta qgraph', () => {
  // the files of a submit dir in the order prepare.ts writes them
  const points = ['config.yaml', 'qgraph.qg', 'quanta', 'workflow.json', 'summary.json'];

  it('leaves a submit dir that status, restore and runs do not take for a run', async () => {
    let partial = 0;
    for (const [i, file] of points.entries()) {
      const sd = await killWhen(`k${i}`, file);
      if (!existsSync(sd)) continue;
      const complete = existsSync(join(sd, 'token')) && !existsSync(join(sd, INCOMPLETE_MARKER));
      if (complete) continue; // it finished before the kill landed: a run like any other
      partial++;
      expect(existsSync(join(sd, INCOMPLETE_MARKER)), `${file}: ${readdirSync(sd).join(' ')}`).toBe(true);
      for (const args of [
        ['status', sd],
        ['restore', sd],
        ['report', sd],
      ]) {
        const r = quanta(args);
        expect(r.status, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(4);
        expect(r.stderr).toContain('[QGRAPH_INCOMPLETE]');
        expect(r.stderr).toContain('qgraph did not finish');
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(existsSync(join(sd, 'journal.sqlite3'))).toBe(false);
      }
      const runs = quanta(['runs', join(dir, `k${i}`), '--json']);
      expect(runs.status, runs.stderr).toBe(0);
      for (const e of JSON.parse(runs.stdout).runs as { state: string }[]) expect(e.state).toBe('incomplete');
    }
    // the kills must have caught qgraph writing at least once, or this test checked nothing
    expect(partial).toBeGreaterThan(0);
  }, 180_000);

  it('a qgraph that finishes leaves no marker, and the run reads as prepared', async () => {
    const base = join(dir, 'whole');
    mkdirSync(base);
    const r = quanta(['qgraph', bpsYaml('whole', base)]);
    expect(r.status, r.stderr).toBe(0);
    const sd = join(base, 'run');
    expect(existsSync(join(sd, INCOMPLETE_MARKER))).toBe(false);
    const runs = quanta(['runs', base, '--json']);
    expect(JSON.parse(runs.stdout).runs[0].state).toBe('prepared');
  }, 60_000);
});
