/** `quanta sbatch` through the real binary: the seed's sbatch script, generated from the bps YAML. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expectCatalogueExit } from '../helpers/exit-code.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const quanta = (args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin/quanta.js'), ...args], { encoding: 'utf8' });

const BPS = `
pipelineYaml: "/repo/pipelines/DRP.yaml#singleFrame"
payload:
  inCollection: LSSTCam-imSim/defaults
  payloadName: sfp_4430_y1
  butlerConfig: /repo
  dataQuery: "instrument='LSSTCam-imSim' and visit in (2340, 8004)"
parsl_config:
  retries: 1
  monitoring: true
  executor: WorkQueue
  provider: Slurm
  nodes_per_block: 10
  worker_options: "--memory=90000"
  walltime: "15:00:00"
  constraint: knl
  qos: regular
  account: m1727
`;

describe('quanta sbatch', () => {
  it('writes the batch script of a prepared run into its submit dir', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-sbatch-'));
    writeFileSync(join(dir, 'config.yaml'), BPS);
    const r = quanta(['sbatch', dir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toEqual({ submitDir: dir, script: join(dir, 'quanta.sbatch') });
    const text = readFileSync(out.script, 'utf8');
    for (const l of [
      '--job-name=sfp_4430_y1',
      '--nodes=10',
      '--time=15:00:00',
      '--constraint=knl',
      '--qos=regular',
      '--account=m1727',
    ]) {
      expect(text).toContain(`#SBATCH ${l}`);
    }
    expect(text).toContain('#SBATCH --exclusive');
    expect(text.split('\n').find((l) => l.includes('bin/quanta.js'))).toMatch(
      new RegExp(`bin/quanta.js restore ${dir} --executor pilot \\|\\| rc=\\$\\?$`),
    );
    // bash accepts it, and the run got its secret
    execFileSync('bash', ['-n', out.script]);
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o600);
  });

  it('says what to do when the submit dir has no config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-sbatch-'));
    const r = quanta(['sbatch', dir]);
    expectCatalogueExit(r.status, r.stderr);
    expect(r.stderr).toMatch(/NO_SUBMIT_CONFIG.*quanta qgraph/);
  });

  it('quanta worker refuses a malformed manager address', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-worker-'));
    writeFileSync(join(dir, 'token'), 'x'.repeat(32));
    const r = quanta(['worker', '--manager', 'http://nowhere', '--token-file', join(dir, 'token')]);
    expectCatalogueExit(r.status, r.stderr);
    expect(r.stderr).toMatch(/MANAGER_URL/);
  });
});
