// Misspelt keys: an error when the key it resembles changes what is selected or requested.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadSubmitConfig } from './submit-config.js';
import { MINIMAL, writeFiles } from './test-files.js';

async function failure(dir: string): Promise<ConfigError> {
  try {
    await loadSubmitConfig(join(dir, 'bps.yaml'), { env: {} });
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('misspelt keys that change the selection or a request', () => {
  it('refuses payload.dataQeury, naming file, line, column and the key it resembles', async () => {
    const dir = writeFiles({
      'bps.yaml': MINIMAL.replace('  dataQuery: "visit = 1"\n', '  dataQeury: "visit = 1"\n'),
    });
    const e = await failure(dir);
    expect(e.code).toBe('CONFIG_UNKNOWN_KEY');
    expect(e.exitCode).toBe(2);
    expect(e.location).toMatchObject({ line: 6, column: 3, key: 'payload.dataQeury' });
    expect(e.location.file).toMatch(/bps\.yaml$/);
    expect(e.message).toBe(
      'unknown key "payload.dataQeury" (did you mean "payload.dataQuery"?): quanta ignores unknown keys, and "payload.dataQuery" changes what is selected or requested. Fix the key, or pass --allow-unknown-keys to make this a warning.',
    );
  });

  it('refuses requestMemroy, pipetask.<label>.requestMemroy and parsl_config.nodes_per_blok', async () => {
    const cases: [string, string, number][] = [
      ['requestMemroy: 4000\n', 'requestMemory', 7],
      ['pipetask:\n  isr:\n    requestMemroy: 4000\n', 'pipetask.isr.requestMemory', 9],
      ['parsl_config:\n  nodes_per_blok: 2\n', 'parsl_config.nodes_per_block', 8],
      ['parsl_config:\n  wall_time: "1:00:00"\n', 'parsl_config.walltime', 8],
    ];
    for (const [text, near, line] of cases) {
      const e = await failure(writeFiles({ 'bps.yaml': `${MINIMAL}${text}` }));
      expect(e.code, text).toBe('CONFIG_UNKNOWN_KEY');
      expect(e.message, text).toContain(`(did you mean "${near}"?)`);
      expect(e.location.line, text).toBe(line);
    }
  });

  it('says how many more there are and points into the include that wrote the first', async () => {
    const dir = writeFiles({
      'bps.yaml': `includeConfigs: [res.yaml]\n${MINIMAL}pipetask:\n  isr:\n    requestCpu: 2\n`,
      'res.yaml': '# resources\n\nrequestMemroy: 4000\n',
    });
    const e = await failure(dir);
    expect(e.location.file).toMatch(/res\.yaml$/);
    expect(e.location).toMatchObject({ line: 3, column: 1, key: 'requestMemroy' });
    expect(e.message).toContain('1 more such key(s) after this one.');
  });

  it('only warns with allowUnknownKeys', async () => {
    const dir = writeFiles({
      'bps.yaml': MINIMAL.replace('dataQuery', 'dataQeury') + 'requestMemroy: 4000\n',
    });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: {}, allowUnknownKeys: true });
    expect(cfg.payload.dataQuery).toBe('');
    expect(cfg.warnings).toEqual([
      expect.stringMatching(/bps\.yaml:7:1: unknown key "requestMemroy" \(did you mean "requestMemory"\?\)/),
      expect.stringMatching(
        /bps\.yaml:6:3: unknown key "payload\.dataQeury" \(did you mean "dataQuery"\?\); it is ignored\.$/,
      ),
    ]);
  });

  it('keeps other unknown keys warnings: bps keys quanta ignores anyway, and keys used as {variables}', async () => {
    const dir = writeFiles({
      'bps.yaml': `${MINIMAL}campain: c1\nfrobnicate: 1\nrequestMem: 3000\npipetask:\n  isr:\n    requestMemory: "{requestMem}"\n`,
    });
    const cfg = await loadSubmitConfig(join(dir, 'bps.yaml'), { env: {} });
    expect(cfg.resources('isr').requestMemory).toBe(3000);
    expect(cfg.warnings).toHaveLength(3);
    expect(cfg.warnings[0]).toMatch(/unknown key "campain" \(did you mean "campaign"\?\); it is ignored/);
    expect(cfg.warnings[1]).toMatch(/unknown key "frobnicate"; it is ignored/);
    expect(cfg.warnings[2]).toMatch(/unknown key "requestMem" \(did you mean "requestMemory"\?\)/);
  });
});
