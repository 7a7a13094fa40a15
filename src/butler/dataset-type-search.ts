/**
 * Dataset types named by a list of names and globs, as daf_butler's `queryDatasetTypes(expression)`:
 * no pattern (or `*`) means all of them; a glob may match none; a plain name must be registered
 * (unlike daf_butler, which then returns nothing, quanta says so and suggests the nearest name).
 */
import { globToRegExp, isGlob } from './glob.js';
import type { DatasetType } from './registry/dataset-types.js';
import type { Registry } from './registry/registry.js';

export async function searchDatasetTypes(
  registry: Registry,
  patterns: readonly string[],
): Promise<DatasetType[]> {
  const all = await registry.queryDatasetTypes();
  if (patterns.length === 0 || patterns.includes('*')) return all;
  const wanted = new Set<string>();
  for (const p of patterns) {
    if (isGlob(p)) {
      const re = globToRegExp(p);
      for (const t of all) if (re.test(t.name)) wanted.add(t.name);
    } else wanted.add((await registry.getDatasetType(p)).name);
  }
  return all.filter((t) => wanted.has(t.name));
}
