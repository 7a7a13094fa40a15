/**
 * Which spawner process starts command jobs (docs/engine.md, "How jobs are started"): the Node.js one
 * (spawner-process.ts) or the Python one (python/quanta_spawn/), which starts jobs with posix_spawn
 * (vfork-like) instead of Node.js's fork()+exec() and so costs less CPU per job. Chosen by the
 * option, else by QUANTA_SPAWNER=python|node, else the default (DEFAULT_SPAWNER); python is used
 * only where a usable python3 is found (Linux, >= 3.9 with os.pidfd_open and os.posix_spawn),
 * looked for once per process, else node.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ExecutorError } from '../errors.js';

export type SpawnerKind = 'python' | 'node';

/** What is used when neither the option nor QUANTA_SPAWNER says. */
// python: 1.10x the bare spawn floor at 1,520 engine jobs against 1.95x for node (bench/README.md)
export const DEFAULT_SPAWNER: SpawnerKind = 'python';

/** python/quanta_spawn/__main__.py, from src/executors (tests, tsx) and dist/executors alike. */
export const PYTHON_SPAWNER = fileURLToPath(
  new URL('../../python/quanta_spawn/__main__.py', import.meta.url),
);

/** -I: no PYTHON* variables, user site or script dir; -S: no site (stdlib only, faster start). */
export const PYTHON_FLAGS = ['-I', '-S'];

// the probe checks what the spawner uses, kernel support of pidfds included
const PROBE =
  'import os,sys; assert sys.version_info >= (3, 9); os.close(os.pidfd_open(os.getpid())); os.posix_spawn';

let python: string | null | undefined;

/** The python3 on PATH if it can run the Python spawner (null if not); probed once, cached. */
export function usablePython(): string | null {
  if (python !== undefined) return python;
  python = null;
  // not Linux, or a copy of dist/ without python/ beside it
  if (process.platform !== 'linux' || !existsSync(PYTHON_SPAWNER)) return python;
  const r = spawnSync('python3', [...PYTHON_FLAGS, '-c', `${PROBE}; print(sys.executable)`], {
    encoding: 'utf8',
    timeout: 10_000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exe = r.status === 0 ? r.stdout.trim() : '';
  if (exe) python = exe;
  return python;
}

/** The kind asked for: the option, else QUANTA_SPAWNER, else the default. */
export function wantedSpawner(option?: SpawnerKind): SpawnerKind {
  if (option) return option;
  const env = process.env.QUANTA_SPAWNER;
  if (env === 'python' || env === 'node') return env;
  if (env)
    throw new ExecutorError(
      'SPAWNER_UNKNOWN',
      `QUANTA_SPAWNER is '${env}'; it takes python (jobs started with posix_spawn by the system python3) or node (Node.js's own spawn); unset it for the default, ${DEFAULT_SPAWNER}`,
      { key: 'QUANTA_SPAWNER' },
    );
  return DEFAULT_SPAWNER;
}

/** The spawner to start: python only where it can run (a fallback to node is silent). */
export function chooseSpawner(option?: SpawnerKind): { kind: 'node' } | { kind: 'python'; python: string } {
  if (wantedSpawner(option) === 'python') {
    const exe = usablePython();
    if (exe) return { kind: 'python', python: exe };
  }
  return { kind: 'node' };
}
