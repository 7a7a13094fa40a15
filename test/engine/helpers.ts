/** Fixtures for engine tests: workflows of examples/workflows/job.mjs jobs, built by code. */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { randomUUID } from 'node:crypto';
import { createButler } from '../../src/butler/index.js';

export const JOB_SCRIPT = resolve('examples/workflows/job.mjs');

function walk(dir: string, acc: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, acc);
    else acc.push(p);
  }
  return acc;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Running: alive and not a zombie (a killed process whose parent has not reaped it yet). */
export function running(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Resolves once `cond()` holds; throws after `ms`. */
export async function waitFor(cond: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

let bin: string | undefined;

/**
 * A private build of the CLI for tests that spawn it: dist/ is rebuilt (removed, then written) by
 * every test run in this repository, so a spawned `bin/quanta.js` can find it half-built. Lives
 * under node_modules/.cache so that packages resolve and no linter looks at it.
 */
export function quantaBin(): string {
  if (bin) return bin;
  const base = resolve('node_modules/.cache/quanta-engine-tests');
  if (existsSync(base)) {
    for (const d of readdirSync(base))
      if (!alive(Number(d))) rmSync(join(base, d), { recursive: true, force: true });
  }
  const root = join(base, String(process.pid));
  rmSync(root, { recursive: true, force: true });
  // <root>/dist beside <root>/python, as in the repository: the Python spawner is found from dist
  const out = join(root, 'dist');
  cpSync(resolve('python/quanta_spawn'), join(root, 'python', 'quanta_spawn'), {
    recursive: true,
    filter: (f) => !f.includes('__pycache__'),
  });
  const src = resolve('src');
  const files = walk(src);
  buildSync({
    entryPoints: files.filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts')),
    outdir: out,
    outbase: src,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  for (const f of files) {
    if (f.endsWith('.ts')) continue;
    mkdirSync(dirname(join(out, relative(src, f))), { recursive: true });
    cpSync(f, join(out, relative(src, f)));
  }
  bin = join(out, 'quanta.mjs');
  writeFileSync(bin, "const { main } = await import('./cli/main.js');\nawait main(process.argv);\n");
  return bin;
}

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `quanta-${prefix}-`));
  mkdirSync(join(d, 'out'));
  mkdirSync(join(d, 'markers'));
  return d;
}

export interface JobOpts {
  needs?: string[];
  sleep?: number;
  alloc?: number;
  fail?: boolean;
  failIf?: string;
  requestMemory?: number;
  numberOfRetries?: number;
  memoryMultiplier?: number;
  timeoutSec?: number;
  argv?: string[];
}

export function job(dir: string, id: string, label: string, o: JobOpts = {}): Record<string, unknown> {
  const argv = o.argv ?? [
    process.execPath,
    JOB_SCRIPT,
    '--out',
    join(dir, 'out', `${id}.json`),
    '--marker',
    join(dir, 'markers', id),
    ...(o.needs ?? []).flatMap((n) => ['--in', join(dir, 'out', `${n}.json`)]),
    ...(o.sleep ? ['--sleep', String(o.sleep)] : []),
    ...(o.alloc ? ['--alloc', String(o.alloc)] : []),
    ...(o.fail ? ['--fail'] : []),
    ...(o.failIf ? ['--fail-if', o.failIf] : []),
  ];
  return {
    id,
    label,
    argv,
    requestMemory: o.requestMemory ?? 200,
    requestCpus: 1,
    needs: o.needs ?? [],
    ...(o.numberOfRetries !== undefined ? { numberOfRetries: o.numberOfRetries } : {}),
    ...(o.memoryMultiplier !== undefined ? { memoryMultiplier: o.memoryMultiplier } : {}),
    ...(o.timeoutSec !== undefined ? { timeoutSec: o.timeoutSec } : {}),
  };
}

/** Per visit: a -> b -> c chains for each detector, then one gather per visit. */
export function chainsWithGather(
  dir: string,
  visits: number,
  detectors: number,
  sleep = 0,
): Record<string, unknown>[] {
  const jobs: Record<string, unknown>[] = [];
  for (let v = 0; v < visits; v++) {
    const cs: string[] = [];
    for (let d = 0; d < detectors; d++) {
      jobs.push(job(dir, `a.${v}.${d}`, 'a', { sleep }));
      jobs.push(job(dir, `b.${v}.${d}`, 'b', { sleep, needs: [`a.${v}.${d}`] }));
      jobs.push(job(dir, `c.${v}.${d}`, 'c', { sleep, needs: [`b.${v}.${d}`] }));
      cs.push(`c.${v}.${d}`);
    }
    jobs.push(job(dir, `gather.${v}`, 'gather', { sleep, needs: cs }));
  }
  return jobs;
}

export function markerCount(dir: string, id: string): number {
  const f = join(dir, 'markers', id);
  if (!existsSync(f)) return 0;
  return readFileSync(f, 'utf8').split('\n').filter(Boolean).length;
}

/** The job's output is a complete JSON document written by job.mjs. */
export function outputComplete(dir: string, id: string): boolean {
  try {
    return (
      (JSON.parse(readFileSync(join(dir, 'out', `${id}.json`), 'utf8')) as { end?: string }).end === 'END'
    );
  } catch {
    return false;
  }
}

/** Small deterministic PRNG (mulberry32) for seeded kill points. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A repository with instruments I0..I(n-1), a `thing` dataset type and an input run. */
export async function makeRepo(root: string, n: number): Promise<void> {
  const b = await createButler(root);
  await b.registry.insertDimensionRecords(
    'instrument',
    Array.from({ length: n }, (_, i) => ({ name: `I${i}` })),
  );
  await b.registry.registerDatasetType({
    name: 'thing',
    dimensions: ['instrument'],
    storageClass: 'StructuredData',
  });
  await b.registry.registerRun('inputs');
  await b.close();
}

/** Jobs that each write one `thing` into the repository and declare it as their output. */
export function thingJobs(dir: string, root: string, n: number, run: string): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => {
    const path = `${run}/thing/I${i}.json`;
    const j = job(dir, `t${i}`, 'thing', { sleep: 20 });
    const argv = [...(j.argv as string[])];
    argv[argv.indexOf('--out') + 1] = join(root, path);
    return {
      ...j,
      argv,
      outputs: [{ id: randomUUID(), datasetType: 'thing', run, dataId: { instrument: `I${i}` }, path }],
    };
  });
}
