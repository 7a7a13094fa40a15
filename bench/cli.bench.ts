/**
 * CLI start-up: wall time of `quanta --version`, `quanta --help` and `quanta status DIR` of a
 * finished run against a bare `node -e 0`, in the same run, and the targets of issue 17 item 2
 * (--version <= 2.5x, status <= 3.5x). Exits 1 when a target is missed.
 * `npm run bench -- cli [--reps 15]` (builds dist/ first; at least 10 reps)
 *
 * The commands run round-robin, one process at a time, so that a change in the machine's load
 * touches each of them alike; each figure is the median of its runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'quanta.js');
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const reps = Math.max(10, arg('reps', 15));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// the children run plain node: nothing of this process's loader (tsx) reaches them
const env = { ...process.env, NODE_OPTIONS: '' };

function run(argv: string[], cwd = root): { ms: number; status: number | null; stderr: string } {
  const t = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd, env, encoding: 'utf8' });
  return { ms: performance.now() - t, status: r.status, stderr: r.stderr };
}

function mustSucceed(what: string, r: { status: number | null; stderr: string }): void {
  if (r.status !== 0) {
    process.stderr.write(`bench cli: ${what} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
}

mustSucceed('npm run build', run([join(root, 'scripts', 'build.mjs')]));

// a finished run: one no-op job
const dir = mkdtempSync(join(tmpdir(), 'quanta-bench-cli-'));
const wf = join(dir, 'one.json');
writeFileSync(
  wf,
  JSON.stringify({ name: 'one', jobs: [{ id: 'a', label: 'noop', argv: [process.execPath, '-e', '0'] }] }),
);
const submitDir = join(dir, 'run');
mustSucceed('quanta run-workflow', run([bin, 'run-workflow', wf, '--submit-dir', submitDir, '--json'], dir));

interface Case {
  name: string;
  argv: string[];
  /** the largest ratio to `node -e 0` allowed */
  target?: number;
}
const cases: Case[] = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  { name: 'quanta --version', argv: [bin, '--version'], target: 2.5 },
  { name: 'quanta --help', argv: [bin, '--help'] },
  { name: 'quanta status DIR (finished run)', argv: [bin, 'status', submitDir], target: 3.5 },
];
const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
const load = [loadavg()[0]];
for (const c of cases) mustSucceed(c.name, run(c.argv)); // warm the file cache
for (let r = 0; r < reps; r++) for (const c of cases) times.get(c.name)?.push(run(c.argv).ms);
load.push(loadavg()[0]);
rmSync(dir, { recursive: true, force: true });

const floor = median(times.get('node -e 0') ?? []);
let missed = 0;
const rows = [['command', 'median ms', 'min ms', 'ratio', 'target', '']];
for (const c of cases) {
  const xs = times.get(c.name) ?? [];
  const ratio = median(xs) / floor;
  const ok = c.target === undefined || ratio <= c.target;
  if (!ok) missed++;
  rows.push([
    c.name,
    median(xs).toFixed(1),
    Math.min(...xs).toFixed(1),
    `${ratio.toFixed(2)}x`,
    c.target === undefined ? '' : `<= ${c.target}x`,
    c.target === undefined ? '' : ok ? 'ok' : 'MISSED',
  ]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows)
  process.stdout.write(`${r.map((v, i) => v.padEnd(widths[i])).join('  ')}\n`.trimEnd() + '\n');
process.stdout.write(
  `(${reps} runs each, round-robin; ${cpus().length} cores, 1-min load average ${load.map((l) => l.toFixed(2)).join(' -> ')})\n`,
);
if (missed) process.stdout.write(`${missed} target(s) missed\n`);
process.exit(missed ? 1 : 0);
