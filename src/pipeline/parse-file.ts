/**
 * One pipeline YAML file -> its own declarations (tasks, subsets, steps, contracts, parameters,
 * instrument) and its import specs, in pipe_base's layout. Imports are not followed here; see
 * pipeline-file.ts.
 */
import { dirname } from 'node:path';
import { z } from 'zod';
import { PipelineError, type ErrorCode } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import { toConfigBlock } from './config-blocks.js';
import type { PipelineIR, SubsetMode, Where } from './ir.js';
import { readLocatedYaml, type LocatedYaml, type YamlPath } from './yaml-lines.js';

const names = z.union([z.string(), z.array(z.string())]);
const importSchema = z.union([
  z.string(),
  z.strictObject({
    location: z.string(),
    include: names.optional(),
    exclude: names.optional(),
    rename: z.record(z.string(), z.string()).optional(),
    importContracts: z.boolean().optional(),
    importSteps: z.boolean().optional(),
    /** quanta's own: false leaves the imported file's subsets behind */
    importSubsets: z.boolean().optional(),
    labeledSubsetModifyMode: z.enum(['DROP', 'EDIT']).optional(),
    instrument: z.string().nullable().optional(),
  }),
]);
const configBlock = z.record(z.string(), z.unknown());
const taskSchema = z.union([
  z.string(),
  z.strictObject({
    class: z.string().optional(),
    config: z
      .union([configBlock, z.array(configBlock)])
      .nullable()
      .optional(),
  }),
]);
const contractSchema = z.union([
  z.string(),
  z.strictObject({ contract: z.string(), msg: z.string().optional() }),
]);
const fileSchema = z.strictObject({
  description: z.string().optional(),
  instrument: z.string().optional(),
  imports: z.union([importSchema, z.array(importSchema)]).optional(),
  inherits: z.unknown().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  tasks: z.record(z.string(), taskSchema).nullable().optional(),
  subsets: z
    .record(
      z.string(),
      z.union([
        z.array(z.string()),
        z.object({ subset: z.array(z.string()), description: z.string().optional() }),
      ]),
    )
    .optional(),
  contracts: z.union([contractSchema, z.array(contractSchema)]).optional(),
  steps: z.array(z.strictObject({ label: z.string(), dimensions: z.array(z.string()) })).optional(),
});

export interface ImportSpec extends Where {
  location: string;
  include?: string[];
  exclude?: string[];
  rename: Record<string, string>;
  importContracts: boolean;
  importSteps: boolean;
  importSubsets: boolean;
  mode: SubsetMode;
  /** undefined: keep the imported file's instrument; null: drop it */
  instrument?: string | null;
  /** the YAML path of the location value, for error positions */
  path: YamlPath;
}

export interface ParsedFile {
  /** the file's own declarations */
  own: PipelineIR;
  imports: ImportSpec[];
  yaml: LocatedYaml;
}

const asList = (v: string | string[] | undefined): string[] | undefined =>
  v === undefined ? undefined : Array.isArray(v) ? v : [v];

export function parsePipelineFile(file: string): ParsedFile {
  const y = readLocatedYaml(file);
  const where = (path: YamlPath): Where => ({ file, ...y.posOf(path) });
  const fail = (code: ErrorCode, msg: string, path: YamlPath, key?: string): never => {
    throw new PipelineError(code, msg, { ...where(path), key: key ?? path.join('.') });
  };
  if (y.value !== null && typeof y.value === 'object' && 'inherits' in y.value)
    fail('PIPELINE_SCHEMA', 'the "inherits" key is not supported (as in pipe_base); use "imports"', [
      'inherits',
    ]);
  if (Array.isArray((y.value as { instrument?: unknown } | null)?.instrument))
    fail('PIPELINE_SCHEMA', 'only one top-level instrument can be declared in a pipeline', ['instrument']);
  const parsed = fileSchema.safeParse(y.value ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    const p = i.path.map((k) => (typeof k === 'symbol' ? String(k) : k));
    let msg = `${p.join('.') || '(top level)'}: ${i.message}`;
    if (i.code === 'unrecognized_keys') {
      const key = i.keys[0];
      const known = p.length === 0 ? Object.keys(fileSchema.shape) : [];
      const hint = didYouMean(
        key,
        known.length ? known : ['class', 'config', 'location', 'include', 'exclude'],
      );
      msg = `${p.length ? `${p.join('.')}: ` : ''}unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ''}${known.length ? `; known keys: ${known.join(', ')}` : ''}`;
      p.push(key);
    }
    fail('PIPELINE_SCHEMA', msg, p);
  }
  const data = parsed.data!;
  const baseDir = dirname(file);
  const own: PipelineIR = {
    file,
    description: data.description,
    instrument: data.instrument,
    parameters: { ...(data.parameters ?? {}) },
    tasks: new Map(),
    subsets: new Map(),
    steps: [],
    contracts: [],
  };
  for (const [label, t] of Object.entries(data.tasks ?? {})) {
    const path = ['tasks', label];
    if (label === 'parameters')
      fail('PIPELINE_SCHEMA', '"parameters" is a reserved word, not a task label', path);
    const ref = typeof t === 'string' ? t : t.class;
    const cfg = typeof t === 'string' || !t.config ? [] : Array.isArray(t.config) ? t.config : [t.config];
    own.tasks.set(label, { label, ref, baseDir, configs: cfg.map((c) => toConfigBlock(c)), ...where(path) });
  }
  for (const [name, s] of Object.entries(data.subsets ?? {})) {
    const labels = [...new Set(Array.isArray(s) ? s : s.subset)];
    const description = Array.isArray(s) ? undefined : s.description;
    own.subsets.set(name, { labels, description, ...where(['subsets', name]) });
  }
  (data.steps ?? []).forEach((s, i) => {
    if (own.steps.some((o) => o.label === s.label))
      fail('PIPELINE_STEP', `step "${s.label}" is declared twice`, ['steps', i]);
    own.steps.push({ label: s.label, dimensions: s.dimensions, ...where(['steps', i]) });
  });
  const contracts =
    data.contracts === undefined ? [] : Array.isArray(data.contracts) ? data.contracts : [data.contracts];
  contracts.forEach((c, i) => {
    const path = Array.isArray(data.contracts) ? ['contracts', i] : ['contracts'];
    own.contracts.push(typeof c === 'string' ? { contract: c, ...where(path) } : { ...c, ...where(path) });
  });
  const rawImports =
    data.imports === undefined ? [] : Array.isArray(data.imports) ? data.imports : [data.imports];
  const imports = rawImports.map((imp, i): ImportSpec => {
    const path: YamlPath = Array.isArray(data.imports) ? ['imports', i] : ['imports'];
    const spec = typeof imp === 'string' ? { location: imp } : imp;
    const include = asList('include' in spec ? spec.include : undefined);
    const exclude = asList('exclude' in spec ? spec.exclude : undefined);
    if (include && exclude)
      fail('PIPELINE_SCHEMA', `import of ${spec.location}: give include or exclude, not both`, path);
    const full = typeof imp === 'string' ? undefined : imp;
    return {
      location: spec.location,
      include,
      exclude,
      rename: full?.rename ?? {},
      importContracts: full?.importContracts ?? true,
      importSteps: full?.importSteps ?? true,
      importSubsets: full?.importSubsets ?? true,
      mode: full?.labeledSubsetModifyMode ?? 'DROP',
      // pipe_base reads the string "None" as "drop the instrument"
      instrument: full?.instrument === 'None' ? null : full?.instrument,
      path: typeof imp === 'string' ? path : [...path, 'location'],
      ...where(path),
    };
  });
  return { own, imports, yaml: y };
}
