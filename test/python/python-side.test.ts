/**
 * quanta's Python side (python/: the oracle, the LSST helpers) is tested with pytest and checked
 * with mypy --strict in the LSST venv; this runs both from `npm test`, so CI runs them too.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeWithService, probeService } from '../helpers/services.js';

const lsst = probeService('lsst');
const pythonDir = fileURLToPath(new URL('../../python', import.meta.url));

function run(args: string[]): { status: number | null; output: string } {
  const r = spawnSync(`${lsst.env.QUANTA_LSST_VENV}/bin/python`, args, {
    cwd: pythonDir,
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describeWithService('lsst', lsst, 'the Python side', () => {
  it('passes its pytest suite', () => {
    const r = run(['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests']);
    expect(r.output).toMatch(/\d+ passed/);
    expect(r.status, r.output).toBe(0);
  }, 300_000);

  it('is clean under mypy --strict', () => {
    const r = run(['-m', 'mypy', '--no-incremental', 'quanta_lsst', 'quanta_bps', 'quanta_spawn']);
    expect(r.status, r.output).toBe(0);
  }, 300_000);
});

// the Python spawner (python/quanta_spawn) runs on the system python3, stdlib only: test it there
const systemPytest = spawnSync('python3', ['-c', 'import pytest'], { stdio: 'ignore' }).status === 0;
describe.skipIf(!systemPytest)('the Python spawner on the system python3', () => {
  it('passes its pytest suite', () => {
    const r = spawnSync(
      'python3',
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests/test_quanta_spawn.py'],
      {
        cwd: pythonDir,
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(`${r.stdout}${r.stderr}`).toMatch(/\d+ passed/);
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  }, 120_000);
});
