/**
 * A user's own task folder, outside this checkout, run by the real `quanta` binary: the ToyCam
 * example copied out (no package.json above it, so Node calls its .ts files CommonJS), a task
 * folder built here that imports 'quanta' with no node_modules, and a project that installed
 * quanta into its own node_modules.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareRepo } from '../../examples/toycam/demo.js';

const root = resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'quanta-own-tasks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function quanta(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [join(root, 'bin', 'quanta.js'), ...args], {
    cwd,
    env,
    encoding: 'utf8',
  });
}

function writeFiles(base: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(base, name)), { recursive: true });
    writeFileSync(join(base, name), text);
  }
}

const dims = "['instrument', 'visit', 'detector']";
/** A task module: imports 'quanta', a sibling .ts by its .js name, a bare package and awaits at top level. */
const TASK = `import { defineTask, z } from 'quanta';
import { scale } from '../lib/scale.js';
import { offset } from 'toy-dep';
const factor: number = await Promise.resolve(scale);
export const measure = defineTask({
  name: 'MeasureTask',
  config: z.object({ factor: z.number().default(factor + offset) }),
  dimensions: ${dims},
  connections: {
    inputs: { calexp: { datasetType: 'calexp', dimensions: ${dims}, storageClass: 'Exposure' } },
    outputs: { table: { datasetType: 'measTable', dimensions: ${dims}, storageClass: 'StructuredData' } },
  },
  run: () => ({ table: { n: 1 } }),
});
`;
const FOLDER = {
  'pipeline.yaml': 'description: my tasks\ntasks:\n  measure: tasks/measure.ts#measure\n',
  'tasks/measure.ts': TASK,
  'lib/scale.ts': 'export const scale: number = 3;\n',
  'node_modules/toy-dep/package.json': '{"name": "toy-dep", "type": "module", "exports": "./index.js"}\n',
  'node_modules/toy-dep/index.js': 'export const offset = 0.5;\n',
};

describe("a user's task folder outside the checkout", () => {
  it('loads TypeScript task modules that import quanta with no node_modules/quanta and no package.json', () => {
    const folder = join(dir, 'plain');
    writeFiles(folder, FOLDER);
    const r = quanta(['pipeline', 'show', '--connections', 'pipeline.yaml'], folder);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`1. measure: MeasureTask (${join(folder, 'tasks', 'measure.ts')}#measure)`);
    expect(r.stdout).toContain('table: measTable [instrument, visit, detector] StructuredData');
    expect(r.stdout).toContain('config: {"factor":3.5}');
  });

  it('loads them from a project that installed quanta into its own node_modules', () => {
    const project = join(dir, 'project');
    // what `npm install quanta` leaves: a package.json without "type" and node_modules/quanta
    writeFiles(project, { ...FOLDER, 'package.json': '{"name": "my-tasks", "version": "1.0.0"}\n' });
    symlinkSync(root, join(project, 'node_modules', 'quanta'), 'dir');
    const r = quanta(['pipeline', 'show', '--connections', 'pipeline.yaml'], project);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('config: {"factor":3.5}');
  });

  it('names the task module when a package is in neither the folder nor the quanta installation', () => {
    const folder = join(dir, 'missing');
    writeFiles(folder, {
      ...FOLDER,
      'lib/scale.ts': "export { scale } from 'no-such-package-anywhere';\n",
    });
    const r = quanta(['pipeline', 'show', '--connections', 'pipeline.yaml'], folder);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('[TASK_MODULE_LOAD]');
    expect(r.stderr).toContain(
      `Cannot find package 'no-such-package-anywhere' imported from ${join(folder, 'lib', 'scale.ts')}`,
    );
  });

  it('runs the ToyCam example copied out of the checkout with quanta submit', async () => {
    const toycam = join(dir, 'toycam');
    cpSync(join(root, 'examples', 'toycam'), toycam, { recursive: true });
    const work = join(dir, 'toycam-run');
    const visits = await prepareRepo({ dir: work, visits: 2, detectors: 1 });
    const show = quanta(['pipeline', 'show', '--connections', 'DRP.yaml'], toycam);
    expect(show.stderr).toBe('');
    expect(show.stdout).toContain(`(${join(toycam, 'tasks', 'singleFrame.ts')}#isr)`);
    const env = {
      ...process.env,
      TOYCAM_REPO: join(work, 'repo'),
      TOYCAM_DIR: work,
      TOYCAM_VISITS: visits.join(','),
    };
    const sub = quanta(['submit', 'bps.yaml', '--json'], toycam, env);
    expect(sub.status, sub.stderr).toBe(0);
    const summary = JSON.parse(sub.stdout) as {
      status: string;
      totals: { succeeded: number; total: number };
    };
    expect(summary.status).toBe('succeeded');
    expect(summary.totals.succeeded).toBe(summary.totals.total);
  }, 180_000);
});
