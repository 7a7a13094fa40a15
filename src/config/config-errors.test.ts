import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadSubmitConfig } from './submit-config.js';
import { MINIMAL, writeFiles } from './test-files.js';

/** Loads and returns the ConfigError it must throw. */
async function failure(dir: string, file = 'bps.yaml', env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  try {
    await loadSubmitConfig(join(dir, file), { env });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('files and YAML syntax', () => {
  it('names a missing submit file', async () => {
    const e = await failure(writeFiles({}), 'nope.yaml');
    expect(e.code).toBe('CONFIG_MISSING');
    expect(e.message).toMatch(/cannot read submit config .*nope\.yaml \(does not exist\)/);
  });

  it('reports malformed YAML with file, line and column', async () => {
    const dir = writeFiles({ 'bps.yaml': `${MINIMAL}parsl_config:\n  retries: [1, 2\n` });
    const e = await failure(dir);
    expect(e.code).toBe('CONFIG_YAML');
    expect(e.location.file).toMatch(/bps\.yaml$/);
    expect(e.location.line).toBeGreaterThanOrEqual(8);
    expect(e.location.column).toBeGreaterThan(0);
    expect(e.message).toMatch(/^malformed YAML: /);
  });

  it('rejects duplicate keys at their line', async () => {
    const dir = writeFiles({ 'bps.yaml': `${MINIMAL}requestCpus: 1\nrequestCpus: 2\n` });
    const e = await failure(dir);
    expect(e.code).toBe('CONFIG_YAML');
    expect(e.location.line).toBe(8);
    expect(e.message).toMatch(/unique/i);
  });

  it('rejects a file that is not a mapping', async () => {
    const e = await failure(writeFiles({ 'bps.yaml': '- a\n- b\n' }));
    expect(e.message).toMatch(/must be a YAML mapping/);
    expect(e.location.line).toBe(1);
  });

  it('names a missing required key', async () => {
    const dir = writeFiles({
      'bps.yaml': 'pipelineYaml: p.yaml\npayload:\n  butlerConfig: r\n  inCollection: c\n',
    });
    const e = await failure(dir);
    expect(e.message).toMatch(/missing required key "payload.payloadName"/);
    expect(e.location).toMatchObject({ line: 2, column: 1, key: 'payload.payloadName' });
  });
});

describe('includeConfigs', () => {
  it('rejects a cycle and prints the chain', async () => {
    const dir = writeFiles({
      'bps.yaml': `includeConfigs: [a.yaml]\n${MINIMAL}`,
      'a.yaml': 'includeConfigs:\n  - sub/b.yaml\n',
      'sub/b.yaml': 'includeConfigs:\n  - ../a.yaml\n',
    });
    const e = await failure(dir);
    expect(e.code).toBe('CONFIG_INCLUDE_CYCLE');
    expect(e.message).toContain('a.yaml -> ');
    expect(e.message).toMatch(/a\.yaml -> \S*sub\/b\.yaml -> \S*a\.yaml\./);
    expect(e.location.file).toMatch(/sub\/b\.yaml$/);
    expect(e.location).toMatchObject({ line: 2, column: 5, key: 'includeConfigs[0]' });
  });

  it('rejects a file that includes itself', async () => {
    const dir = writeFiles({ 'bps.yaml': `includeConfigs: [bps.yaml]\n${MINIMAL}` });
    const e = await failure(dir);
    expect(e.message).toMatch(/cycle: \S*bps\.yaml -> \S*bps\.yaml/);
  });

  it('names the missing include and the file and line that include it', async () => {
    const dir = writeFiles({
      'bps.yaml': `includeConfigs:\n  - base.yaml\n${MINIMAL}`,
      'base.yaml': 'includeConfigs:\n  - ok.yaml\n  - ${D}/gone.yaml\n',
      'ok.yaml': 'project: x\n',
    });
    const e = await failure(dir, 'bps.yaml', { D: '/no/such/dir' });
    expect(e.code).toBe('CONFIG_INCLUDE_MISSING');
    expect(e.message).toMatch(
      /cannot read included config \/no\/such\/dir\/gone\.yaml \(does not exist\); it is listed in includeConfigs\[1\] of \S*base\.yaml/,
    );
    expect(e.location.file).toMatch(/base\.yaml$/);
    expect(e.location).toMatchObject({ line: 3, column: 5 });
  });

  it('names an unset variable in an include path', async () => {
    const dir = writeFiles({
      'bps.yaml': `includeConfigs:\n  - \${GEN3_WORKFLOW_DIR}/etc/base.yaml\n${MINIMAL}`,
    });
    const e = await failure(dir, 'bps.yaml', { GEN3_WORKFLOW_DIRS: '/x' });
    expect(e.code).toBe('CONFIG_ENV');
    expect(e.message).toContain(
      'environment variable ${GEN3_WORKFLOW_DIR} is not set (did you mean ${GEN3_WORKFLOW_DIRS}?)',
    );
    expect(e.location).toMatchObject({ line: 2, column: 5, key: 'includeConfigs[0]' });
  });
});

describe('${ENV} expansion', () => {
  it('names the variable, file, line, column and key, with a near miss', async () => {
    const dir = writeFiles({
      'bps.yaml': MINIMAL.replace('pipe.yaml#a', '"${OBS_LSST_DRI}/pipelines/DRP.yaml#a"'),
    });
    const e = await failure(dir, 'bps.yaml', { OBS_LSST_DIR: '/opt/obs_lsst', HOME: '/root' });
    expect(e.message).toBe(
      'environment variable ${OBS_LSST_DRI} is not set (did you mean ${OBS_LSST_DIR}?); it is used by key "pipelineYaml". Export it or change the config.',
    );
    expect(e.location).toMatchObject({ line: 1, column: 16, key: 'pipelineYaml' });
    expect(e.where()).toMatch(/bps\.yaml:1:16$/);
  });

  it('points into the include file that uses the variable', async () => {
    const dir = writeFiles({
      'bps.yaml': `includeConfigs: [inc/res.yaml]\n${MINIMAL}`,
      'inc/res.yaml': 'pipetask:\n  isr:\n    requestMemory: ${ISR_MEM}\n',
    });
    const e = await failure(dir);
    expect(e.message).toMatch(/\$\{ISR_MEM\} is not set; it is used by key "pipetask.isr.requestMemory"/);
    expect(e.location.file).toMatch(/inc\/res\.yaml$/);
    expect(e.location).toMatchObject({ line: 3, column: 20 });
  });
});

describe('{name} references', () => {
  it('names an unknown reference and its key', async () => {
    const dir = writeFiles({ 'bps.yaml': `${MINIMAL}outputRun: "u/{operater}/x"\n` });
    const e = await failure(dir);
    expect(e.code).toBe('CONFIG_REF_UNKNOWN');
    expect(e.message).toMatch(
      /^unknown reference \{operater\} in key "outputRun" \(did you mean \{operator\}\?\)/,
    );
    expect(e.location).toMatchObject({ line: 7, column: 12, key: 'outputRun' });
  });

  it('reports a bad reference in a used key even when a pass-through key refers to it first', async () => {
    const dir = writeFiles({
      'bps.yaml': `${MINIMAL}runQuantumCommand: "pipetask -o {outputRun} --qgraph {qgraphFile}"\noutputRun: "u/{nosuch}"\n`,
    });
    const e = await failure(dir);
    expect(e.message).toMatch(/^unknown reference \{nosuch\} in key "outputRun"/);
    expect(e.location.line).toBe(8);
  });

  it('shows a reference cycle', async () => {
    const dir = writeFiles({
      'bps.yaml': `${MINIMAL}outputRun: "{submitPath}/r"\nsubmitPath: "/s/{outputRun}"\n`,
    });
    const e = await failure(dir);
    expect(e.code).toBe('CONFIG_REF_CYCLE');
    expect(e.message).toMatch(
      /reference cycle: (outputRun -> submitPath -> outputRun|submitPath -> outputRun -> submitPath)\./,
    );
    expect(e.location.line).toBeGreaterThanOrEqual(7);
  });

  it('only warns about a cycle between keys quanta does not use', async () => {
    const dir = writeFiles({
      'bps.yaml': `${MINIMAL}defaultPreCmdOpts: "{runPreCmdOpts}"\nrunPreCmdOpts: "-v {defaultPreCmdOpts}"\n`,
    });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: {} });
    expect(cfg.warnings).toHaveLength(1);
    expect(cfg.warnings[0]).toMatch(
      /bps\.yaml:7:\d+: reference cycle: defaultPreCmdOpts -> runPreCmdOpts -> defaultPreCmdOpts\./,
    );
    expect(cfg.raw.runPreCmdOpts).toBe('-v {defaultPreCmdOpts}');
  });

  it('rejects a cycle that passes through a key quanta uses', async () => {
    const dir = writeFiles({
      'bps.yaml': `${MINIMAL}outputRun: "u/{runPreCmdOpts}"\nrunPreCmdOpts: "{outputRun}"\n`,
    });
    const e = await failure(dir);
    expect(e.code).toBe('CONFIG_REF_CYCLE');
    expect(e.message).toMatch(
      /reference cycle: .*outputRun.*runPreCmdOpts|reference cycle: .*runPreCmdOpts.*outputRun/,
    );
  });

  it('rejects a reference to a section', async () => {
    const dir = writeFiles({ 'bps.yaml': `${MINIMAL}outputRun: "u/{payload}"\n` });
    const e = await failure(dir);
    expect(e.message).toMatch(/\{payload\} in key "outputRun" refers to a section/);
  });

  it('resolves recursively, keeps types and leaves other braces literal', async () => {
    const dir = writeFiles({
      'bps.yaml': `${MINIMAL.replace('"visit = 1"', `"visit in (1..{maxVisit}) and note = '{ x }' and j = '{}'"`)}  maxVisit: "{top}"
top: 9
mem: 3000
requestMemory: "{mem}"
operator: "{who}"
who: "{payloadName}-op"
`,
    });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: {} });
    expect(cfg.payload.dataQuery).toBe("visit in (1..9) and note = '{ x }' and j = '{}'");
    expect(cfg.raw.requestMemory).toBe(3000);
    expect(cfg.operator).toBe('demo-op');
    expect(cfg.outputRun.startsWith('u/demo-op/demo/')).toBe(true);
    expect(cfg.warnings.join('\n')).toMatch(/unknown key "top"/);
  });
});

describe('schema validation', () => {
  it('names file, line, column and key of a bad value', async () => {
    const dir = writeFiles({ 'bps.yaml': `${MINIMAL}requestMemory: lots\n` });
    const e = await failure(dir);
    expect(e.code).toBe('CONFIG_SCHEMA');
    expect(e.message).toBe(
      'key "requestMemory": expected a memory size in MB (e.g. 4096 or "4GB"), got "lots".',
    );
    expect(e.location).toMatchObject({ line: 7, column: 16, key: 'requestMemory' });
  });

  it('points into the include file where the bad value came from', async () => {
    const dir = writeFiles({
      'bps.yaml': `includeConfigs: [res.yaml]\n${MINIMAL}`,
      'res.yaml': '# resources\npipetask:\n  isr:\n    requestCpus: -2\n',
    });
    const e = await failure(dir);
    expect(e.message).toBe('key "pipetask.isr.requestCpus": must be more than 0, got -2.');
    expect(e.location.file).toMatch(/res\.yaml$/);
    expect(e.location).toMatchObject({ line: 4, column: 18 });
  });

  it('checks parsl_config values', async () => {
    const bad: [string, RegExp][] = [
      ['provider: Kubernetes', /key "parsl_config.provider": expected Local or Slurm, got "Kubernetes"/],
      ['nodes_per_block: 0', /key "parsl_config.nodes_per_block": must be 1 or more, got 0/],
      ['walltime: "15 hours"', /key "parsl_config.walltime": expected a Slurm time/],
      ['monitoring: maybe', /key "parsl_config.monitoring": expected true or false/],
    ];
    for (const [line, re] of bad) {
      const dir = writeFiles({ 'bps.yaml': `${MINIMAL}parsl_config:\n  ${line}\n` });
      const e = await failure(dir);
      expect(e.message).toMatch(re);
      expect(e.location.line).toBe(8);
    }
  });

  it('with allowUnknownKeys, warns about unknown keys with a did-you-mean', async () => {
    const dir = writeFiles({
      'bps.yaml': `${MINIMAL}requestMemroy: 4000\nparsl_config:\n  nodes_per_blok: 2\n  worker_options: "--memory=1000 --gpus=2"\npipetask:\n  isr:\n    requestMem: 1\n`,
    });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: {}, allowUnknownKeys: true });
    expect(cfg.warnings).toHaveLength(4);
    expect(cfg.warnings[0]).toMatch(
      /bps\.yaml:7:1: unknown key "requestMemroy" \(did you mean "requestMemory"\?\); it is ignored\./,
    );
    expect(cfg.warnings[1]).toMatch(
      /bps\.yaml:9:3: unknown key "parsl_config.nodes_per_blok" \(did you mean "nodes_per_block"\?\)/,
    );
    expect(cfg.warnings[2]).toMatch(/bps\.yaml:13:5: unknown key "pipetask.isr.requestMem"/);
    expect(cfg.warnings[3]).toMatch(
      /parsl_config.worker_options: unknown worker option\(s\) "--gpus=2" are ignored/,
    );
    expect(cfg.site.workerMemoryMB).toBe(1000);
  });
});
