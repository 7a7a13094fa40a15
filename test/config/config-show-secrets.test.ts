// `quanta config show` never prints a password: a butlerConfig URL's password shows as ***, in
// the YAML, the JSON and the --explain views (issue 15 item 3), while the rest of the URL stays.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const quanta = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'quanta.js'), ...args], { encoding: 'utf8' });

describe('config show and passwords', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quanta-config-secret-'));
  const file = join(dir, 'bps.yaml');
  writeFileSync(
    file,
    [
      'pipelineYaml: pipeline.yaml',
      'payload:',
      '  payloadName: p',
      '  butlerConfig: postgresql://alice:s3cr3t-pw@db.example.org:5432/repo?namespace=dc2',
      '  inCollection: a/b',
      '  dataQuery: ""',
      '',
    ].join('\n'),
  );

  for (const view of [[], ['--json'], ['--explain'], ['--json', '--explain']]) {
    it(`masks it in config show ${view.join(' ')}`, () => {
      const r = quanta('config', 'show', file, ...view);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toContain('s3cr3t-pw');
      expect(r.stdout).toContain('postgresql://alice:***@db.example.org:5432/repo?namespace=dc2');
    });
  }
});
