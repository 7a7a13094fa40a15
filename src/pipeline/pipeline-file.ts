/**
 * Reads a pipeline YAML file and its imports (pipe_base layout) into a PipelineIR: labels ->
 * class + config blocks, subsets, steps, contracts, parameters, instrument. No task code is
 * imported here; see definition.ts and load.ts.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PipelineError } from '../errors.js';
import { expandVars } from './expand-vars.js';
import { applyImport } from './imports.js';
import type { PipelineIR, Where } from './ir.js';
import { mergePipelines, verifyMerged } from './merge.js';
import { parsePipelineFile, type ImportSpec, type ParsedFile } from './parse-file.js';

export interface ReadOptions {
  /** environment for `$VAR` in import locations (default: process.env) */
  env?: NodeJS.ProcessEnv;
}

function importPath(spec: ImportSpec, parsed: ParsedFile, env: NodeJS.ProcessEnv): string {
  const r = expandVars(spec.location, env);
  if (!r.ok) {
    const pos = parsed.yaml.valuePos(spec.path, r.token);
    throw new PipelineError(
      'PIPELINE_ENV_VAR',
      `import location "${spec.location}" uses the environment variable ${r.name}, which is not set; set it (e.g. by setting up the package that defines it) or give the path`,
      { file: spec.file, line: pos?.line ?? spec.line, column: pos?.column ?? spec.column, key: r.name },
    );
  }
  // pipe_base resolves a relative location from the current directory; quanta from the importing file
  const path = resolve(dirname(parsed.own.file), r.value);
  if (!existsSync(path)) {
    throw new PipelineError(
      'PIPELINE_NOT_FOUND',
      `import location "${spec.location}"${r.value !== spec.location ? ` (${r.value})` : ''} is not a file: ${path} does not exist`,
      { file: spec.file, line: spec.line, column: spec.column, key: spec.location },
    );
  }
  return path;
}

export function readPipelineFile(path: string, opts: ReadOptions = {}, stack: string[] = []): PipelineIR {
  const file = resolve(path);
  if (stack.includes(file)) {
    throw new PipelineError('PIPELINE_IMPORT_CYCLE', `import cycle: ${[...stack, file].join(' -> ')}`, {
      file: stack.at(-1) ?? file,
    });
  }
  const parsed = parsePipelineFile(file);
  const env = opts.env ?? process.env;
  const imported = parsed.imports.map((spec) => {
    const at: Where = { file: spec.file, line: spec.line, column: spec.column };
    const sub = readPipelineFile(importPath(spec, parsed, env), opts, [...stack, file]);
    return { ir: applyImport(spec, sub), at };
  });
  const merged = mergePipelines(parsed.own, imported);
  verifyMerged(merged);
  return merged;
}
