// Every command that reads a submit YAML prints its warnings and refuses a misspelt key that
// changes the selection (qgraph, submit, submit --dry-run, sbatch), through the real binary.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCatalogueExit } from '../helpers/exit-code.js';
import { makeToyRepo } from './toy-repo.js';

const root = join(import.meta.dirname, '..', '..');
const pipeline = join(root, 'test', 'pipeline', 'fixtures', 'DRP.yaml');
let dir: string;
let repo: string;

/** A bps YAML over the toy repository; `queryKey` lets a test misspell dataQuery. */
function bpsYaml(name: string, opts: { queryKey?: string; extra?: string } = {}): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `pipelineYaml: "${pipeline}#singleFrame"`,
      `submitPath: ${join(dir, 'submit', name)}`,
      'payload:',
      `  payloadName: ${name}`,
      `  butlerConfig: ${repo}`,
      '  inCollection: ToyCam/defaults',
      `  ${opts.queryKey ?? 'dataQuery'}: "instrument='ToyCam' and visit = 10"`,
      opts.extra ?? '',
      '',
    ].join('\n'),
  );
  return file;
}

function quanta(...args: string[]) {
  return spawnSync(process.execPath, [join(root, 'bin', 'quanta.js'), ...args], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, USER: 'tester' },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'quanta-config-warnings-'));
  repo = join(dir, 'repo');
  mkdirSync(repo);
  const { butler } = await makeToyRepo(repo, { visits: [10, 11], detectors: [0, 1, 2] });
  await butler.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('submit YAML checks in every command that reads one', () => {
  it('refuses payload.dataQeury in config show, qgraph, submit, submit --dry-run and sbatch, and builds nothing', () => {
    const file = bpsYaml('typo', { queryKey: 'dataQeury' });
    for (const args of [['config', 'show'], ['qgraph'], ['submit'], ['submit', '--dry-run'], ['sbatch']]) {
      const r = quanta(...args, file);
      expect(expectCatalogueExit(r.status, r.stderr, args.join(' '))).toBe('CONFIG_UNKNOWN_KEY');
      expect(r.stderr).toMatch(
        /^quanta: error \[CONFIG_UNKNOWN_KEY\] \S*typo\.yaml:7:3: unknown key "payload\.dataQeury" \(did you mean "payload\.dataQuery"\?\).*--allow-unknown-keys/,
      );
      expect(r.stdout).toBe('');
    }
    expect(existsSync(join(dir, 'submit', 'typo'))).toBe(false);
  }, 60_000);

  it('qgraph prints the warnings config show prints, and --allow-unknown-keys lets a typo through', () => {
    const file = bpsYaml('warn', { queryKey: 'dataQeury', extra: 'campain: c1' });
    const show = quanta('config', 'show', file, '--allow-unknown-keys');
    expect(show.status).toBe(0);
    const warnings = show.stderr.split('\n').filter((l) => l.startsWith('quanta: warning: '));
    expect(warnings).toHaveLength(2);
    const r = quanta('qgraph', file, '--allow-unknown-keys', '--json');
    expect(r.status).toBe(0);
    for (const w of warnings) expect(r.stderr).toContain(w);
    // the typo is ignored: the whole repository, 2 visits x 3 detectors
    expect(JSON.parse(r.stdout).counts.isr).toBe(6);
  }, 60_000);

  it('submit --dry-run shows the counts and every warning, runs nothing and keeps no submit dir', () => {
    const file = bpsYaml('dry', { extra: 'campain: c1\nfrobnicate: 2' });
    const r = quanta('submit', file, '--dry-run');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(
      /quanta: warning: \S*dry\.yaml:8:1: unknown key "campain" \(did you mean "campaign"\?\)/,
    );
    expect(r.stderr).toMatch(/quanta: warning: \S*dry\.yaml:9:1: unknown key "frobnicate"/);
    expect(r.stdout).toMatch(/^isr +3 +0$/m);
    expect(r.stdout).toMatch(/^total +9$/m);
    expect(r.stdout).toMatch(/^dry run: nothing was run; 2 warning\(s\) above$/m);
    expect(existsSync(join(dir, 'submit', 'dry'))).toBe(false);
    const json = quanta('submit', file, '--dry-run', '--json');
    expect(json.status).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({ dryRun: true, counts: { isr: 3, characterizeImage: 3, calibrate: 3 } });
    expect(out.warnings).toHaveLength(2);
  }, 60_000);
});
