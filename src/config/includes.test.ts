import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSubmitConfig } from './submit-config.js';
import { MINIMAL, writeFiles } from './test-files.js';

describe('includeConfigs merging', () => {
  it('lets later includes override earlier ones and the including file override all', async () => {
    const dir = writeFiles({
      'bps.yaml': `includeConfigs:\n  - \${BASE}/first.yaml\n  - conf/second.yaml\n${MINIMAL}requestCpus: 8\n`,
      'etc/first.yaml': 'requestMemory: 1000\nrequestCpus: 2\nproject: first\ncampaign: first\n',
      'conf/second.yaml': 'includeConfigs: [nested/third.yaml]\nrequestMemory: 1500\nproject: second\n',
      'conf/nested/third.yaml': 'project: third\ncomputeSite: nested\n',
    });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: { BASE: join(dir, 'etc') } });
    expect(cfg.raw).toMatchObject({
      requestMemory: 1500,
      requestCpus: 8,
      project: 'second',
      campaign: 'first',
      computeSite: 'nested',
    });
    expect(cfg.files.map((f) => f.slice(dir.length + 1))).toEqual([
      'etc/first.yaml',
      'conf/nested/third.yaml',
      'conf/second.yaml',
      'bps.yaml',
    ]);
    expect(cfg.raw.includeConfigs).toEqual([join(dir, 'etc/first.yaml'), join(dir, 'conf/second.yaml')]);
    const src = Object.fromEntries(cfg.sources.map((e) => [e.key, e.source]));
    expect(src.project).toMatch(/conf\/second\.yaml:3:10$/);
    expect(src.campaign).toMatch(/etc\/first\.yaml:4:11$/);
  });

  it('deep-merges mapping sections and replaces lists', async () => {
    const dir = writeFiles({
      'bps.yaml': `includeConfigs: [base.yaml]\n${MINIMAL}parsl_config:\n  nodes_per_block: 4\npipetask:\n  isr:\n    requestCpus: 2\nexecutionButler:\n  whenCreate: [b]\n`,
      'base.yaml': `payload:\n  dataQuery: "from base"\n  runInit: true\nparsl_config:\n  retries: 2\n  provider: Slurm\npipetask:\n  isr:\n    requestMemory: 3000\n  calibrate:\n    requestMemory: 900\nexecutionButler:\n  whenCreate: [a, c]\n`,
    });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: {} });
    expect(cfg.payload.dataQuery).toBe('visit = 1');
    expect((cfg.raw.payload as Record<string, unknown>).runInit).toBe(true);
    expect(cfg.site).toMatchObject({ retries: 2, provider: 'Slurm', nodesPerBlock: 4 });
    expect(cfg.resources('isr')).toMatchObject({ requestMemory: 3000, requestCpus: 2, numberOfRetries: 2 });
    expect(cfg.resources('calibrate').requestMemory).toBe(900);
    expect(cfg.raw.executionButler).toEqual({ whenCreate: ['b'] });
  });

  it('resolves pipelineYaml and butlerConfig relative to the file that set them', async () => {
    const dir = writeFiles({
      'bps.yaml': `includeConfigs: [site/base.yaml]\npayload:\n  payloadName: p\n  inCollection: c\n`,
      'site/base.yaml':
        'pipelineYaml: "pipelines/DRP.yaml#isr,calibrate"\npayload:\n  butlerConfig: ../repo\n',
    });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: {} });
    expect(cfg.pipelineYaml).toBe(`${join(dir, 'site/pipelines/DRP.yaml')}#isr,calibrate`);
    expect(cfg.payload.butlerConfig).toBe(join(dir, 'repo'));
  });

  it('keeps URLs in butlerConfig as they are and allows a diamond of includes', async () => {
    const dir = writeFiles({
      'bps.yaml': `includeConfigs: [a.yaml, b.yaml]\n${MINIMAL.replace('butlerConfig: repo', 'butlerConfig: "postgresql://db/repo"')}`,
      'a.yaml': 'includeConfigs: [common.yaml]\n',
      'b.yaml': 'includeConfigs: [common.yaml]\n',
      'common.yaml': 'project: shared\n',
    });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: {} });
    expect(cfg.payload.butlerConfig).toBe('postgresql://db/repo');
    expect(cfg.raw.project).toBe('shared');
  });
});
