// `quanta submit --skip-existing`, as the OUTPUT_EXISTS error suggests: a second submit into the
// same output run reuses the outputs the first one made and runs only the rest.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { quantaBin } from '../engine/helpers.js';
import { makeToyRepo } from './toy-repo.js';

const pipeline = join(import.meta.dirname, '..', 'pipeline', 'fixtures', 'DRP.yaml');
let dir: string;

function bps(name: string, visits: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `pipelineYaml: "${pipeline}#isr"`,
      'requestMemory: 500',
      'outputRun: u/tester/skip',
      'payload:',
      `  payloadName: ${name}`,
      `  butlerConfig: ${join(dir, 'repo')}`,
      '  inCollection: ToyCam/defaults',
      `  dataQuery: "instrument='ToyCam' and visit in (${visits})"`,
      `submitPath: ${join(dir, 'submit', name)}`,
      '',
    ].join('\n'),
  );
  return file;
}

const submit = (...args: string[]) =>
  spawnSync(process.execPath, [quantaBin(), 'submit', ...args], { encoding: 'utf8' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quanta-skip-existing-'));
  mkdirSync(join(dir, 'repo'));
  const { butler } = await makeToyRepo(join(dir, 'repo'), {
    visits: [10, 11],
    detectors: [0],
    rawFiles: true,
  });
  await butler.close();
});

describe('quanta submit --skip-existing', () => {
  it('reuses the outputs of an earlier submit into the same output run', () => {
    const first = submit(bps('first', '10'), '--json');
    expect(first.status, first.stderr).toBe(0);
    const clash = submit(bps('second', '10, 11'));
    expect(clash.status).toBe(4);
    expect(clash.stderr).toMatch(/\[OUTPUT_EXISTS\].*pass --skip-existing/);
    const again = submit(bps('third', '10, 11'), '--skip-existing', '--json');
    expect(again.status, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout) as {
      submitDir: string;
      totals: { succeeded: number; total: number };
    };
    expect(summary.totals).toMatchObject({ succeeded: 1, total: 1 });
    const prepared = JSON.parse(readFileSync(join(summary.submitDir, 'summary.json'), 'utf8'));
    expect(prepared.skipped).toEqual({ isr: 1 });
  });
});
