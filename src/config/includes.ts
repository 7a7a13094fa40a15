import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { displayPath } from './display.js';
import { mergeLayer } from './merge.js';
import { pathKey } from './tree.js';
import type { Layer, Origin } from './tree.js';
import { readYamlSource } from './yaml-source.js';

export interface IncludeResult extends Layer {
  /** every file read, in merge order (includes before the files that include them) */
  files: string[];
  /** the top file's includeConfigs, as absolute paths, with where each was written */
  topIncludes: { path: string; origin: Origin }[];
}

/**
 * Loads a submit YAML with its `includeConfigs`, recursively (bps semantics): each file's includes
 * are merged in order (later ones override earlier ones) and then the file itself over them.
 * Include paths are relative to the including file; `${ENV}` in them is already expanded.
 */
export function loadWithIncludes(file: string, env: NodeJS.ProcessEnv, warnings: string[]): IncludeResult {
  const files: string[] = [];
  const top = loadOne(resolve(file), [], env, warnings, files, undefined);
  return { ...top.layer, files, topIncludes: top.includes };
}

function loadOne(
  file: string,
  chain: string[],
  env: NodeJS.ProcessEnv,
  warnings: string[],
  files: string[],
  includedFrom: { file: string; line: number; column: number; key: string } | undefined,
): { layer: Layer; includes: { path: string; origin: Origin }[] } {
  const own = readYamlSource(file, { env, warnings, includedFrom });
  const list = includeList(own, file);
  const merged: Layer = { tree: {}, origins: new Map() };
  const stack = [...chain, file];
  list.forEach(({ path, origin }, i) => {
    const key = `includeConfigs[${i}]`;
    const where = { file, line: origin.line, column: origin.column, key };
    if (stack.includes(path)) {
      const cycle = [...stack.slice(stack.indexOf(path)), path].map(displayPath).join(' -> ');
      throw new ConfigError(
        'CONFIG_INCLUDE_CYCLE',
        `includeConfigs cycle: ${cycle}. Remove one of these includes.`,
        { ...where, file: displayPath(file) },
      );
    }
    const child = loadOne(path, stack, env, warnings, files, where);
    mergeLayer(merged, child.layer);
  });
  delete own.tree.includeConfigs;
  for (const k of [...own.origins.keys()])
    if (k.split('\u0000')[0] === 'includeConfigs') own.origins.delete(k);
  mergeLayer(merged, own);
  files.push(file);
  return { layer: merged, includes: list };
}

type FileOrigin = Extract<Origin, { kind: 'file' }>;

function includeList(layer: Layer, file: string): { path: string; origin: FileOrigin }[] {
  const raw = layer.tree.includeConfigs;
  if (raw === undefined || raw === null) return [];
  const fallback: FileOrigin = { kind: 'file', file, line: 1, column: 1 };
  const originAt = (k: (string | number)[]): FileOrigin => {
    const o = layer.origins.get(pathKey(k));
    return o?.kind === 'file' ? o : fallback;
  };
  // bps also accepts one string with comma-separated paths
  const items: { value: unknown; origin: FileOrigin }[] = Array.isArray(raw)
    ? raw.map((value, i) => ({ value, origin: originAt(['includeConfigs', i]) }))
    : typeof raw === 'string'
      ? raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
          .map((value) => ({ value, origin: originAt(['includeConfigs']) }))
      : [{ value: raw, origin: originAt(['includeConfigs']) }];
  return items.map(({ value, origin }, i) => {
    if (typeof value !== 'string' || value.trim() === '') {
      throw new ConfigError(
        'CONFIG_SCHEMA',
        `includeConfigs[${i}] must be a file path (a string), got ${JSON.stringify(value)}.`,
        { file: displayPath(file), line: origin.line, column: origin.column, key: `includeConfigs[${i}]` },
      );
    }
    return { path: resolve(dirname(file), value), origin };
  });
}
