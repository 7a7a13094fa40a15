/**
 * Where the user's LSST stack is: the `pipetask`, `butler` and `python` that run a Python
 * pipeline. quanta never brings its own; it uses what the submit YAML or the environment names,
 * in this order (docs/lsst.md, "Which LSST stack"):
 * 1. `lsstBin: DIR` in the submit YAML (a venv's or conda env's `bin/`), relative to the YAML;
 * 2. `$CTRL_MPEXEC_DIR/bin/pipetask` and `$DAF_BUTLER_DIR/bin/butler`, as bps's own defaults
 *    (an EUPS `setup lsst_distrib` sets them);
 * 3. `pipetask` and `butler` on `PATH`.
 * The paths found are absolute and go into workflow.json, so every job, on any node and in a
 * later restore, runs the same stack. Python is the interpreter of `pipetask`'s `#!` line.
 */
import { accessSync, constants, existsSync, openSync, readSync, closeSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../../errors.js';

export interface LsstStack {
  pipetask: string;
  butler: string;
  python: string;
  /** how it was found, for messages and summary.json */
  source: string;
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The absolute path of `name` on `PATH`, or undefined. */
export function which(name: string, env: NodeJS.ProcessEnv): string | undefined {
  if (isAbsolute(name)) return executable(name) ? name : undefined;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (executable(p)) return resolve(p);
  }
  return undefined;
}

/** The interpreter of a script's `#!` line (`#!/usr/bin/env python3` -> python3 on PATH). */
export function shebangPython(script: string, env: NodeJS.ProcessEnv): string | undefined {
  const buf = Buffer.alloc(256);
  const fd = openSync(script, 'r');
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  const first = buf.subarray(0, n).toString('utf8').split('\n')[0];
  if (!first.startsWith('#!')) return undefined;
  const words = first.slice(2).trim().split(/\s+/);
  const prog = words[0]?.endsWith('/env') ? words.find((w, i) => i > 0 && !w.startsWith('-')) : words[0];
  return prog ? which(prog, env) : undefined;
}

function notFound(message: string, file: string | undefined): ConfigError {
  return new ConfigError('LSST_STACK_NOT_FOUND', message, { file, key: 'lsstBin' });
}

/**
 * Find the LSST stack for a submit config.
 *
 * @example
 * ```ts
 * const stack = findLsstStack({ lsstBin: '/opt/lsst/venv/bin', env: process.env });
 * // { pipetask: '/opt/lsst/venv/bin/pipetask', butler: '.../butler', python: '.../python', source: 'lsstBin: ...' }
 * ```
 */
export function findLsstStack(opts: {
  lsstBin?: string;
  configFile?: string;
  env: NodeJS.ProcessEnv;
}): LsstStack {
  const { env } = opts;
  let pipetask: string | undefined;
  let butler: string | undefined;
  let source: string;
  if (opts.lsstBin) {
    const dir = resolve(opts.configFile ? dirname(opts.configFile) : '.', opts.lsstBin);
    pipetask = join(dir, 'pipetask');
    butler = join(dir, 'butler');
    source = `lsstBin: ${dir}`;
    for (const p of [pipetask, butler]) {
      if (!executable(p))
        throw notFound(
          `lsstBin is ${dir}, but ${p} is not an executable; point lsstBin at the bin/ directory of the environment that has the LSST stack (pipetask and butler)`,
          opts.configFile,
        );
    }
    const py = join(dir, 'python');
    const python = existsSync(py) ? py : shebangPython(pipetask, env);
    if (!python)
      throw notFound(`cannot find the Python of ${pipetask} (no ${py}, no usable #! line)`, opts.configFile);
    return { pipetask, butler, python, source };
  }
  const fromEnv = (v: string | undefined, name: string): string | undefined => {
    const p = v ? join(v, 'bin', name) : undefined;
    return p && executable(p) ? p : undefined;
  };
  pipetask = fromEnv(env.CTRL_MPEXEC_DIR, 'pipetask') ?? which('pipetask', env);
  butler = fromEnv(env.DAF_BUTLER_DIR, 'butler') ?? which('butler', env);
  source = env.CTRL_MPEXEC_DIR ? '$CTRL_MPEXEC_DIR, $DAF_BUTLER_DIR, PATH' : 'PATH';
  if (!pipetask || !butler) {
    throw notFound(
      `the pipeline has Python PipelineTasks, which run with the LSST stack, but ${pipetask ? 'butler' : 'pipetask'} is not on PATH (nor under $${pipetask ? 'DAF_BUTLER_DIR' : 'CTRL_MPEXEC_DIR'}/bin); set up the stack first (\`setup lsst_distrib\`, or activate its venv), or set lsstBin: in the submit YAML to its bin/ directory`,
      opts.configFile,
    );
  }
  const sibling = join(dirname(pipetask), 'python');
  const python =
    (executable(sibling) ? sibling : undefined) ?? shebangPython(pipetask, env) ?? which('python3', env);
  if (!python) throw notFound(`cannot find the Python of ${pipetask}`, opts.configFile);
  return { pipetask, butler, python, source };
}
