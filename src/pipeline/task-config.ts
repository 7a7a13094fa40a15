/**
 * Task config overrides from a pipeline: `parameters.x` substitution, dotted keys
 * (`a.b: 1` -> `{a: {b: 1}}`), `connections.<conn>: newDatasetTypeName` renames, and a check of
 * every key against the task's zod schema with a did-you-mean hint.
 */
import type { z } from 'zod';
import { PipelineError } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import type { ConfigBlock } from './ir.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function setDeep(target: Obj, path: string[], value: unknown): void {
  let cur = target;
  for (const k of path.slice(0, -1)) {
    if (!isObj(cur[k])) cur[k] = {};
    cur = cur[k] as Obj;
  }
  const last = path[path.length - 1];
  if (isObj(value) && isObj(cur[last])) {
    for (const [k, v] of Object.entries(value)) setDeep(cur[last] as Obj, [k], v);
  } else {
    cur[last] = value;
  }
}

export interface OverrideContext {
  label: string;
  file: string;
  line?: number;
  column?: number;
  parameters: Obj;
}

function substitute(value: unknown, ctx: OverrideContext, key: string): unknown {
  if (typeof value === 'string' && value.startsWith('parameters.')) {
    const name = value.slice('parameters.'.length);
    if (!(name in ctx.parameters)) {
      const hint = didYouMean(name, Object.keys(ctx.parameters));
      throw new PipelineError(
        'PIPELINE_PARAMETER',
        `task "${ctx.label}" config ${key} uses undefined parameter "${name}"${hint ? ` (did you mean "${hint}"?)` : ''}`,
        { file: ctx.file, line: ctx.line, column: ctx.column, key },
      );
    }
    return ctx.parameters[name];
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, ctx, key));
  if (isObj(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ctx, `${key}.${k}`)]));
  return value;
}

/**
 * Merge config blocks in order into one nested object, parameters substituted. `python:`,
 * `file:` and `dataId` blocks are for Python PipelineTasks (pipe_base applies them); a
 * TypeScript or command task gives its overrides as keys.
 */
export function mergeConfigBlocks(blocks: ConfigBlock[], ctx: OverrideContext): Obj {
  const out: Obj = {};
  for (const block of blocks) {
    const special =
      block.python !== undefined
        ? 'python'
        : block.file.length
          ? 'file'
          : block.dataId
            ? 'dataId'
            : undefined;
    if (special) {
      throw new PipelineError(
        'PIPELINE_CONFIG',
        `task "${ctx.label}": a config "${special}:" block is Python config, applied by pipe_base to Python PipelineTasks; a TypeScript or command task takes its overrides as keys`,
        { file: ctx.file, line: ctx.line, column: ctx.column, key: special },
      );
    }
    for (const [key, value] of Object.entries(block.rest))
      setDeep(out, key.split('.'), substitute(value, ctx, key));
  }
  return out;
}

/** The object shape of a zod schema, looking through defaults/optionals (duck-typed: any zod copy). */
function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  let s = schema as {
    _zod?: { def?: { type?: string; innerType?: unknown; shape?: Record<string, unknown> } };
  };
  for (let i = 0; i < 10 && s?._zod?.def; i++) {
    const def = s._zod.def;
    if (def.type === 'object') return def.shape;
    if (def.innerType === undefined) return undefined;
    s = def.innerType as typeof s;
  }
  return undefined;
}

/** Throw a PipelineError for the first override key that the schema does not know. */
export function checkConfigKeys(overrides: Obj, schema: unknown, ctx: OverrideContext, prefix = ''): void {
  const shape = shapeOf(schema);
  if (!shape) return;
  for (const [k, v] of Object.entries(overrides)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (!(k in shape)) {
      const hint = didYouMean(k, Object.keys(shape));
      throw new PipelineError(
        'PIPELINE_CONFIG_KEY',
        `task "${ctx.label}" has no config field "${key}"${hint ? ` (did you mean "${prefix ? `${prefix}.` : ''}${hint}"?)` : ''}; fields: ${Object.keys(shape).join(', ') || '(none)'}`,
        { file: ctx.file, line: ctx.line, column: ctx.column, key },
      );
    }
    if (isObj(v)) checkConfigKeys(v, shape[k], ctx, key);
  }
}

/** Validate overrides with the task's schema and return the full config (defaults applied). */
export function resolveConfig(overrides: Obj, schema: z.ZodObject, ctx: OverrideContext): Obj {
  checkConfigKeys(overrides, schema, ctx);
  const r = schema.safeParse(overrides);
  if (!r.success) {
    const i = r.error.issues[0];
    const key = i.path.map(String).join('.');
    throw new PipelineError(
      'PIPELINE_CONFIG',
      `task "${ctx.label}" config ${key || '(root)'}: ${i.message}`,
      { file: ctx.file, line: ctx.line, column: ctx.column, key },
    );
  }
  return r.data as Obj;
}
