/**
 * Reads one pipeline YAML file and its imports (pipe_base layout) into raw declarations:
 * labels -> task ref + config blocks, subsets, parameters. Nothing is imported or validated
 * against tasks here; see load.ts.
 */
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { PipelineError } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import { readLocatedYaml } from './yaml-lines.js';

export interface RawTask {
  label: string;
  /** `path.ts#export`, `command`, or undefined (inherits from an imported declaration) */
  ref?: string;
  /** directory task refs are relative to */
  baseDir: string;
  configs: Record<string, unknown>[];
  file: string;
  line?: number;
}

export interface RawSubset {
  labels: string[];
  description?: string;
  file: string;
  line?: number;
}

export interface RawPipeline {
  file: string;
  description?: string;
  instrument?: string;
  parameters: Record<string, unknown>;
  tasks: Map<string, RawTask>;
  subsets: Map<string, RawSubset>;
}

const labelList = z.array(z.string());
const importSchema = z.union([
  z.string(),
  z.object({
    location: z.string(),
    include: labelList.optional(),
    exclude: labelList.optional(),
    importContracts: z.boolean().optional(),
    importSubsets: z.boolean().optional(),
    labeledSubsetModifyMode: z.string().optional(),
  }),
]);
const configBlock = z.record(z.string(), z.unknown());
const taskSchema = z.union([
  z.string(),
  z.object({ class: z.string().optional(), config: z.union([configBlock, z.array(configBlock)]).optional() }),
]);
const fileSchema = z.strictObject({
  description: z.string().optional(),
  instrument: z.string().optional(),
  imports: z.array(importSchema).optional(),
  inherits: z.array(importSchema).optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  tasks: z.record(z.string(), taskSchema).optional(),
  subsets: z
    .record(
      z.string(),
      z.union([labelList, z.object({ subset: labelList, description: z.string().optional() })]),
    )
    .optional(),
  contracts: z.unknown().optional(),
  steps: z.unknown().optional(),
});

function fail(code: string, msg: string, file: string, line?: number, key?: string): never {
  throw new PipelineError(code, msg, { file, line, key });
}

export function readPipelineFile(path: string, stack: string[] = []): RawPipeline {
  const file = resolve(path);
  if (stack.includes(file))
    fail('PIPELINE_IMPORT_CYCLE', `import cycle: ${[...stack, file].join(' -> ')}`, file);
  const y = readLocatedYaml(file);
  const parsed = fileSchema.safeParse(y.value ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    const p = i.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
    let msg = `${p.join('.') || '(top level)'}: ${i.message}`;
    if (i.code === 'unrecognized_keys') {
      const key = i.keys[0];
      const hint = didYouMean(key, Object.keys(fileSchema.shape));
      msg = `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}; known keys: ${Object.keys(fileSchema.shape).join(', ')}`;
      p.push(key);
    }
    fail('PIPELINE_SCHEMA', msg, file, y.lineOf(p), p.join('.'));
  }
  const data = parsed.data;
  const baseDir = dirname(file);
  const out: RawPipeline = {
    file,
    description: data.description,
    instrument: data.instrument,
    parameters: {},
    tasks: new Map(),
    subsets: new Map(),
  };
  const imports = [...(data.imports ?? []), ...(data.inherits ?? [])];
  imports.forEach((imp, i) => {
    const spec = typeof imp === 'string' ? { location: imp } : imp;
    const line = y.lineOf(['imports', i]);
    const sub = readPipelineFile(resolve(baseDir, spec.location.replace(/^\$\{?PIPE_DIR\}?\//, '')), [
      ...stack,
      file,
    ]);
    const known = [...sub.tasks.keys()];
    for (const l of [...(spec.include ?? []), ...(spec.exclude ?? [])]) {
      if (!sub.tasks.has(l)) {
        const hint = didYouMean(l, known);
        fail(
          'PIPELINE_UNKNOWN_LABEL',
          `import of ${spec.location}: no task labelled "${l}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
          file,
          line,
          l,
        );
      }
    }
    const keep = (l: string): boolean =>
      (spec.include === undefined || spec.include.includes(l)) && !(spec.exclude ?? []).includes(l);
    for (const [label, t] of sub.tasks) {
      if (!keep(label)) continue;
      if (out.tasks.has(label))
        fail('PIPELINE_DUPLICATE_LABEL', `task label "${label}" is imported twice`, file, line, label);
      out.tasks.set(label, t);
    }
    if (spec.importSubsets !== false) {
      for (const [name, s] of sub.subsets) {
        const labels = s.labels.filter(keep);
        if (labels.length) out.subsets.set(name, { ...s, labels });
      }
    }
    Object.assign(out.parameters, sub.parameters);
    out.instrument ??= sub.instrument;
  });
  Object.assign(out.parameters, data.parameters ?? {});
  for (const [label, t] of Object.entries(data.tasks ?? {})) {
    const line = y.lineOf(['tasks', label]);
    const ref = typeof t === 'string' ? t : t.class;
    const cfg = typeof t === 'string' ? [] : Array.isArray(t.config) ? t.config : t.config ? [t.config] : [];
    const prev = out.tasks.get(label);
    if (
      prev &&
      ref !== undefined &&
      prev.ref !== undefined &&
      resolveRef(prev) !== resolveRef({ ref, baseDir })
    ) {
      fail(
        'PIPELINE_DUPLICATE_LABEL',
        `task "${label}" redefines the imported task ${prev.ref} (from ${prev.file}) with ${ref}`,
        file,
        line,
        label,
      );
    }
    if (!prev && ref === undefined)
      fail('PIPELINE_SCHEMA', `task "${label}" has no class`, file, line, label);
    out.tasks.set(label, {
      label,
      ref: ref ?? prev?.ref,
      baseDir: ref !== undefined ? baseDir : (prev?.baseDir ?? baseDir),
      configs: [...(prev?.configs ?? []), ...cfg],
      file,
      line,
    });
  }
  for (const [name, s] of Object.entries(data.subsets ?? {})) {
    const line = y.lineOf(['subsets', name]);
    const labels = Array.isArray(s) ? s : s.subset;
    out.subsets.set(name, { labels, description: Array.isArray(s) ? undefined : s.description, file, line });
  }
  for (const [name, s] of out.subsets) {
    if (out.tasks.has(name))
      fail(
        'PIPELINE_SUBSET_LABEL',
        `subset "${name}" has the same name as a task label`,
        s.file,
        s.line,
        name,
      );
    for (const l of s.labels) {
      if (!out.tasks.has(l)) {
        const hint = didYouMean(l, out.tasks.keys());
        fail(
          'PIPELINE_UNKNOWN_LABEL',
          `subset "${name}" names unknown task label "${l}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
          s.file,
          s.line,
          l,
        );
      }
    }
  }
  return out;
}

/** Normalised task ref for comparisons: absolute module path + export, or `command`. */
export function resolveRef(t: { ref?: string; baseDir: string }): string {
  const ref = t.ref ?? '';
  if (ref === 'command') return ref;
  const [mod, exp] = ref.split('#');
  const abs =
    mod.startsWith('.') || mod.startsWith('/') || /\.(m|c)?[jt]s$/.test(mod) ? resolve(t.baseDir, mod) : mod;
  return exp ? `${abs}#${exp}` : abs;
}
