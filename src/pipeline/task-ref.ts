/**
 * What a task's `class:` names: a quanta command task (`command`), a TypeScript task module
 * (`path/to/module.ts#export`, a package specifier), or a Python PipelineTask class
 * (`lsst.ip.isr.IsrTask`: a dotted name of Python identifiers, no `#`, `/` or JS extension).
 */
import { resolve } from 'node:path';

export type TaskKind = 'ts' | 'command' | 'python';

const PYTHON_CLASS = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const JS_EXT = /\.(m|c)?[jt]sx?$/;

export function taskKind(ref: string): TaskKind {
  if (ref === 'command') return 'command';
  if (PYTHON_CLASS.test(ref) && !JS_EXT.test(ref)) return 'python';
  return 'ts';
}

/** Normalised task ref for comparisons: absolute module path + export, `command`, or the Python class. */
export function resolveRef(t: { ref?: string; baseDir: string }): string {
  const ref = t.ref ?? '';
  if (taskKind(ref) !== 'ts') return ref;
  const [mod, exp] = ref.split('#');
  const abs = mod.startsWith('.') || mod.startsWith('/') || JS_EXT.test(mod) ? resolve(t.baseDir, mod) : mod;
  return exp ? `${abs}#${exp}` : abs;
}
