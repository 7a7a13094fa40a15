// `quanta config show`, through the real binary (dist/ is built by the vitest globalSetup).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MINIMAL, SEED_DIR, seedEnv, writeFiles } from './test-files.js';
import { expectCatalogueExit } from '../../test/helpers/exit-code.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function quanta(
  args: string[],
  env: NodeJS.ProcessEnv,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/quanta.js'), ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('quanta config show', () => {
  it('prints the seed config as one JSON object with the YAML key names', () => {
    const r = quanta(['config', 'show', join(SEED_DIR, 'bps_sfp.yaml'), '--json'], seedEnv());
    expect(r.status).toBe(0);
    const cfg = JSON.parse(r.stdout) as Record<string, unknown> & {
      payload: Record<string, string>;
      parsl_config: Record<string, unknown>;
    };
    expect(cfg.payload.payloadName).toBe('sfp_Y1_4430_visits_part_00');
    expect(cfg.outputRun).toMatch(/^u\/descdm\/sfp_Y1_4430_visits_part_00\/\d{8}T\d{9}Z$/);
    expect(cfg.submitPath).toBe(join(SEED_DIR, 'submit', cfg.outputRun as string));
    expect(cfg.parsl_config).toEqual({
      retries: 1,
      monitoring: true,
      executor: 'WorkQueue',
      provider: 'Local',
      nodes_per_block: 10,
      worker_options: '--memory=90000',
    });
    expect((cfg.pipetask as Record<string, Record<string, number>>).isr.requestMemory).toBe(3000);
    expect(cfg.pipelineYaml).toBe(`${join(SEED_DIR, 'obs_lsst/pipelines/imsim/DRP.yaml')}#singleFrame`);
    // nothing left to substitute in the keys quanta uses
    expect(JSON.stringify({ ...cfg, pipetask: undefined })).not.toMatch(
      /\$\{|\{(operator|payloadName|timestamp|outputRun)\}/,
    );
    expect(r.stderr).toMatch(/^quanta: warning: .*CTRL_MPEXEC_DIR/);
  });

  it('explains where each value came from', () => {
    const r = quanta(['config', 'show', join(SEED_DIR, 'bps_sfp.yaml'), '--explain'], seedEnv());
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^payload\.payloadName = sfp_Y1_4430_visits_part_00\n {4}<- test\/fixtures\/seed\/bps_sfp\.yaml:11:16$/m,
    );
    expect(r.stdout).toMatch(
      /^pipetask\.isr\.requestMemory = 3000\n {4}<- \S+bps_DC2-3828-y1_resources\.yaml:5:20$/m,
    );
    expect(r.stdout).toMatch(/^memoryMultiplier = 2\n {4}<- default$/m);
    expect(r.stdout).toMatch(/^operator = descdm\n {4}<- environment \$\{USER\}$/m);
    expect(r.stdout).toMatch(
      /^pipelineYaml = .*\n {4}<- \S+bps_sfp\.yaml:7:15 \(expanded \$\{OBS_LSST_DIR\}\)$/m,
    );
  });

  it('prints YAML by default and sources as JSON with --json --explain', () => {
    const plain = quanta(['config', 'show', join(SEED_DIR, 'bps_sfp.yaml')], seedEnv());
    expect(plain.status).toBe(0);
    expect(plain.stdout).toMatch(/^payload:\n {2}inCollection: LSSTCam-imSim\/defaults$/m);
    const both = quanta(['config', 'show', join(SEED_DIR, 'bps_sfp.yaml'), '--json', '--explain'], seedEnv());
    const doc = JSON.parse(both.stdout) as {
      config: Record<string, unknown>;
      sources: { key: string; source: string }[];
    };
    expect(doc.config.operator).toBe('descdm');
    expect(doc.sources.find((s) => s.key === 'parsl_config.nodes_per_block')?.source).toMatch(
      /bps_sfp\.yaml:20:20$/,
    );
  });

  it('fails with exit code 2 and one paragraph without a stack for an unset variable', () => {
    const r = quanta(['config', 'show', join(SEED_DIR, 'bps_sfp.yaml')], { OBS_LSST_DIR: '/x', USER: 'u' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^quanta: error \[CONFIG_ENV\] test\/fixtures\/seed\/bps_sfp\.yaml:4:5: environment variable \$\{GEN3_WORKFLOW_DIR\} is not set; it is used by key "includeConfigs\[0\]"\. Export it or change the config\.\n$/,
    );
  });

  it('fails with exit code 2 for malformed YAML, bad values and missing files', () => {
    const dir = writeFiles({
      'broken.yaml': 'payload:\n  payloadName: [x\n',
      'bad.yaml': `${MINIMAL}parsl_config:\n  nodes_per_block: many\n`,
    });
    for (const [file, re] of [
      ['broken.yaml', /^quanta: error \[CONFIG_YAML\] \S+broken\.yaml:\d+:\d+: malformed YAML: /],
      [
        'bad.yaml',
        /^quanta: error \[CONFIG_SCHEMA\] \S+bad\.yaml:8:20: key "parsl_config\.nodes_per_block": expected a whole number, got "many"\.\n$/,
      ],
      [
        'missing.yaml',
        /^quanta: error \[CONFIG_MISSING\] \S+missing\.yaml: cannot read submit config \S+missing\.yaml \(does not exist\)\.\n$/,
      ],
    ] as const) {
      const r = quanta(['config', 'show', join(dir, file), '--json'], {});
      expectCatalogueExit(r.status, r.stderr, file);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    }
  });
});
