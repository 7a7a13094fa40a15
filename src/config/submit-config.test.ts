import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSubmitConfig } from './submit-config.js';
import { MINIMAL, SEED_DIR, seedEnv, writeFiles } from './test-files.js';

const NOW = new Date('2021-12-13T04:19:00.123Z');

describe('the seed bps_sfp.yaml', () => {
  it('resolves with its two includeConfigs files', async () => {
    const cfg = await loadSubmitConfig(join(SEED_DIR, 'bps_sfp.yaml'), { env: seedEnv(), now: NOW });
    expect(cfg.payload.payloadName).toBe('sfp_Y1_4430_visits_part_00');
    expect(cfg.payload.inCollection).toBe('LSSTCam-imSim/defaults');
    expect(cfg.payload.butlerConfig).toBe('/global/cfs/cdirs/lsst/production/gen3/DC2/Run2.2i/repo');
    expect(cfg.payload.dataQuery).toMatch(
      /^instrument='LSSTCam-imSim' and visit in \(2340,8004,.*,261201\)$/,
    );
    expect(cfg.payload.dataQuery.split(',')).toHaveLength(202);
    expect(cfg.timestamp).toBe('20211213T041900123Z');
    expect(cfg.operator).toBe('descdm');
    expect(cfg.outputRun).toBe('u/descdm/sfp_Y1_4430_visits_part_00/20211213T041900123Z');
    expect(cfg.payload.outputRun).toBe(cfg.outputRun);
    expect(cfg.submitPath).toBe(join(SEED_DIR, 'submit', cfg.outputRun));
    // the submit YAML overrides the baseline's pipelineYaml; the path is absolute
    expect(cfg.pipelineYaml).toBe(`${join(SEED_DIR, 'obs_lsst/pipelines/imsim/DRP.yaml')}#singleFrame`);
    expect(cfg.files.map((f) => f.slice(SEED_DIR.length + 1))).toEqual([
      'gen3_workflow/python/desc/gen3_workflow/etc/bps_drp_baseline.yaml',
      'gen3_workflow/examples/bps_DC2-3828-y1_resources.yaml',
      'bps_sfp.yaml',
    ]);
  });

  it('gives per-label memory from the resources file and falls back to the top level', async () => {
    const cfg = await loadSubmitConfig(join(SEED_DIR, 'bps_sfp.yaml'), { env: seedEnv(), now: NOW });
    expect(cfg.resources('isr')).toEqual({
      requestMemory: 3000,
      requestCpus: 1,
      numberOfRetries: 1,
      memoryMultiplier: 2,
    });
    expect(cfg.resources('deblend').requestMemory).toBe(7000);
    expect(cfg.resources('calibrate').requestMemory).toBe(1000);
    expect(cfg.resources('writeSourceTable').requestMemory).toBe(2048);
  });

  it('reads the parsl_config site section', async () => {
    const cfg = await loadSubmitConfig(join(SEED_DIR, 'bps_sfp.yaml'), { env: seedEnv(), now: NOW });
    expect(cfg.site).toEqual({
      retries: 1,
      monitoring: true,
      executor: 'WorkQueue',
      provider: 'Local',
      nodesPerBlock: 10,
      workerMemoryMB: 90000,
      maxResubmissions: 3,
    });
  });

  it('passes bps-only keys through, expanding what it can and warning about unset variables', async () => {
    const cfg = await loadSubmitConfig(join(SEED_DIR, 'bps_sfp.yaml'), { env: seedEnv(), now: NOW });
    expect(cfg.raw.wmsServiceClass).toBe('desc.gen3_workflow.ParslService');
    const cmd = (cfg.raw.pipetask as Record<string, Record<string, string>>).pipetaskInit.runQuantumCommand;
    expect(cmd).toContain(
      '-b /global/cfs/cdirs/lsst/production/gen3/DC2/Run2.2i/repo -i LSSTCam-imSim/defaults',
    );
    expect(cmd).toContain(`--output-run ${cfg.outputRun}`);
    // bps fills these per job; quanta leaves them alone
    expect(cmd).toContain('--qgraph {qgraphFile}');
    expect(cmd.startsWith('${CTRL_MPEXEC_DIR}/bin/pipetask')).toBe(true);
    expect(cfg.warnings).toHaveLength(1);
    expect(cfg.warnings[0]).toMatch(
      /bps_drp_baseline\.yaml:17:\d+: pipetask\.pipetaskInit\.runQuantumCommand: environment variable \$\{CTRL_MPEXEC_DIR\} is not set/,
    );
  });

  it('explains where each value came from', async () => {
    const cfg = await loadSubmitConfig(join(SEED_DIR, 'bps_sfp.yaml'), { env: seedEnv(), now: NOW });
    const src = Object.fromEntries(cfg.sources.map((e) => [e.key, e]));
    expect(src['payload.payloadName'].source).toMatch(/bps_sfp\.yaml:11:16$/);
    expect(src['pipetask.isr.requestMemory'].source).toMatch(/bps_DC2-3828-y1_resources\.yaml:5:20$/);
    expect(src['project'].source).toMatch(/bps_drp_baseline\.yaml:3:10$/);
    expect(src['pipelineYaml'].env).toEqual(['OBS_LSST_DIR']);
    expect(src['memoryMultiplier'].source).toBe('default');
    expect(src['operator'].source).toBe('environment ${USER}');
    expect(src['outputRun'].refs).toEqual(['operator', 'payloadName', 'timestamp']);
  });
});

describe('defaults and per-task lookups', () => {
  it('fills the bps defaults', async () => {
    const dir = writeFiles({ 'bps.yaml': MINIMAL });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: { LOGNAME: 'alice' }, now: NOW });
    expect(cfg.operator).toBe('alice');
    expect(cfg.outputRun).toBe('u/alice/demo/20211213T041900123Z');
    expect(cfg.submitPath).toBe(join(dir, 'submit/u/alice/demo/20211213T041900123Z'));
    expect(cfg.pipelineYaml).toBe(`${join(dir, 'pipe.yaml')}#a`);
    expect(cfg.payload.butlerConfig).toBe(join(dir, 'repo'));
    expect(cfg.resources('x')).toEqual({
      requestMemory: 2048,
      requestCpus: 1,
      numberOfRetries: 0,
      memoryMultiplier: 2,
    });
    expect(cfg.site).toMatchObject({ provider: 'Local', nodesPerBlock: 1, retries: 0, maxResubmissions: 3 });
    expect(cfg.warnings).toEqual([]);
    expect(Object.keys(cfg.raw)).not.toContain('outCollection');
  });

  it('lets pipetask.<label> override each resource key separately', async () => {
    const dir = writeFiles({
      'bps.yaml': `${MINIMAL}requestMemory: 4GB
requestCpus: 2
numberOfRetries: 3
memoryMultiplier: 1.5
requestWalltime: "01:00:00"
pipetask:
  isr:
    requestMemory: 6000
    numberOfRetries: 0
  calibrate:
    requestCpus: 4
    requestWalltime: 600
`,
    });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: {}, now: NOW });
    expect(cfg.resources('isr')).toEqual({
      requestMemory: 6000,
      requestCpus: 2,
      numberOfRetries: 0,
      memoryMultiplier: 1.5,
      timeoutSec: 3600,
    });
    expect(cfg.resources('calibrate')).toEqual({
      requestMemory: 4096,
      requestCpus: 4,
      numberOfRetries: 3,
      memoryMultiplier: 1.5,
      timeoutSec: 600,
    });
  });

  it('honours payload.outputRun and a user submitPath and operator', async () => {
    const dir = writeFiles({
      'bps.yaml': `${MINIMAL}  output: "u/{operator}/{payloadName}"
  outputRun: "{output}/run1"
operator: bob
submitPath: /tmp/somewhere/{payloadName}
`,
    });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: { USER: 'x' }, now: NOW });
    expect(cfg.outputRun).toBe('u/bob/demo/run1');
    expect(cfg.raw.outputRun).toBe('u/bob/demo/run1');
    expect(cfg.submitPath).toBe('/tmp/somewhere/demo');
  });

  it('reads the Slurm site keys', async () => {
    const dir = writeFiles({
      'bps.yaml': `${MINIMAL}parsl_config:
  provider: slurm
  nodes_per_block: 4
  worker_options: "--memory 60000 --cores=32"
  walltime: "15:00:00"
  account: m1727
  qos: regular
  constraint: knl
  scheduler_options: "#SBATCH --exclusive"
  max_resubmissions: 5
`,
    });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: {}, now: NOW });
    expect(cfg.site).toEqual({
      retries: 0,
      monitoring: false,
      executor: 'WorkQueue',
      provider: 'Slurm',
      nodesPerBlock: 4,
      workerMemoryMB: 60000,
      workerCores: 32,
      walltime: '15:00:00',
      walltimeSec: 54000,
      account: 'm1727',
      qos: 'regular',
      constraint: 'knl',
      schedulerOptions: '#SBATCH --exclusive',
      maxResubmissions: 5,
    });
  });
});
