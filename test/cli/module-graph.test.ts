// What `quanta --version`, `--help` and `status` load: command modules import their heavy
// implementation in the action (docs/architecture.md, "Start-up"), so these stay fast. A structural
// check, not a timing one: the start-up figures are `npm run bench -- cli` (bench/README.md).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../src/error-codes.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'quanta.js');
const trace = join(root, 'test', 'helpers', 'module-trace.mjs');
const dir = mkdtempSync(join(tmpdir(), 'quanta-module-graph-'));

/** Packages whose loading alone costs tens to hundreds of milliseconds. */
const HEAVY = [
  'fastify',
  '@fastify/static',
  'apache-arrow',
  'pg',
  'pino',
  'playwright-core',
  'jimp',
  'cli-progress',
];

/** Modules that only an action needs: the journal, the run start, the server, the QG, the butler. */
const IMPLEMENTATIONS = [
  'engine/journal.js',
  'engine/report.js',
  'run/start.js',
  'executors/pilot/manager.js',
  'monitor/server.js',
  'qgraph/prepare.js',
  'butler/butler.js',
];

let traceCount = 0;
/** Runs `quanta ARGS`; returns its output and the packages and dist/ modules it loaded. */
function quanta(args: string[]) {
  const file = join(dir, `trace-${++traceCount}.txt`);
  writeFileSync(file, '');
  const r = spawnSync(process.execPath, ['--import', trace, bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, QUANTA_MODULE_TRACE: file },
  });
  const urls = [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
  const packages = new Set<string>();
  for (const u of urls) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u.slice(u.lastIndexOf('/node_modules/')));
    if (m) packages.add(m[1]);
  }
  const ours = urls.filter((u) => u.includes('/dist/')).map((u) => u.slice(u.indexOf('/dist/') + 6));
  return { ...r, packages: [...packages].sort(), ours };
}

describe('CLI start-up loads only what the command needs', () => {
  beforeAll(() => {
    const wf = join(dir, 'one.json');
    writeFileSync(
      wf,
      JSON.stringify({ name: 'one', jobs: [{ id: 'a', label: 'x', argv: [process.execPath, '-e', '0'] }] }),
    );
    const r = spawnSync(
      process.execPath,
      [bin, 'run-workflow', wf, '--submit-dir', join(dir, 'run'), '--json'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(0);
  });

  it('--version and --help load commander and no other package', () => {
    const v = quanta(['--version']);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(v.packages).toEqual(['commander']);
    const h = quanta(['--help']);
    expect(h.status, h.stderr).toBe(0);
    expect(h.stdout).toContain('run-workflow');
    expect(h.stdout).toContain('butler');
    expect(h.packages).toEqual(['commander']);
    // the command modules are loaded (their options are defined eagerly), their implementations not
    expect(h.ours).toContain('cli/commands/run.js');
    expect(h.ours.filter((m) => IMPLEMENTATIONS.includes(m))).toEqual([]);
  });

  it("a command's --help still lists every option", () => {
    const h = quanta(['status', '--help']);
    expect(h.status, h.stderr).toBe(0);
    for (const flag of ['--json', '--watch', '--interval <seconds>', '--label <labels>', '--state <states>'])
      expect(h.stdout).toContain(flag);
    expect(h.packages).toEqual(['commander']);
  });

  it('status of a finished run reads the journal without the server, Arrow, PostgreSQL or logging', () => {
    const s = quanta(['status', join(dir, 'run')]);
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/TOTAL\s+0\s+0\s+0\s+1\s+0\s+0\s+0\s+1/);
    expect(s.packages).toContain('better-sqlite3');
    expect(s.packages.filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it('an error in a lazily loaded action is still one line with its exit code', () => {
    const s = quanta(['status', join(dir, 'nowhere')]);
    expect(s.status).toBe(exitCodeOf('NO_JOURNAL'));
    expect(s.stderr).toMatch(/^quanta: error \[NO_JOURNAL\] .*nowhere.*\n$/);
  });
});
