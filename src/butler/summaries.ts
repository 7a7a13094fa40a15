/**
 * Counts and summaries the `quanta butler` commands show before acting or to filter their output:
 * datasets per run and dataset type (remove-runs), dataset types present in collections
 * (query-dataset-types --collections), where a dataset stands in the search path (query-datasets).
 * Read-only SQL over the registry tables.
 */
import type { Registry } from './registry/registry.js';

const CHUNK = 500;

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/** `{run: {datasetType: count}}` for the given runs (runs without datasets map to `{}`). */
export async function datasetCountsByRun(
  registry: Registry,
  runs: readonly string[],
): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>(runs.map((r) => [r, {}]));
  for (const part of chunks(runs)) {
    const rows = await registry.db.all<{ run: string; dataset_type: string; n: unknown }>(
      `SELECT run, dataset_type, COUNT(*) AS n FROM dataset WHERE run IN (${part.map(() => '?').join(', ')}) GROUP BY run, dataset_type ORDER BY run, dataset_type`,
      part,
    );
    // PostgreSQL returns COUNT(*) as a bigint string
    for (const r of rows) out.get(r.run)![r.dataset_type] = Number(r.n);
  }
  return out;
}

/** Names of the dataset types with at least one dataset in the collections (chains flattened, globs allowed). */
export async function datasetTypesInCollections(
  registry: Registry,
  collections: readonly string[],
): Promise<Set<string>> {
  const search = await registry.resolveCollections([...collections]);
  const types = new Map((await registry.queryCollections()).map((c) => [c.name, c.type]));
  const runs = search.filter((c) => types.get(c) === 'RUN');
  const tagged = search.filter((c) => types.get(c) === 'TAGGED');
  const out = new Set<string>();
  for (const part of chunks(runs))
    for (const r of await registry.db.all<{ dataset_type: string }>(
      `SELECT DISTINCT dataset_type FROM dataset WHERE run IN (${part.map(() => '?').join(', ')})`,
      part,
    ))
      out.add(r.dataset_type);
  for (const part of chunks(tagged))
    for (const r of await registry.db.all<{ dataset_type: string }>(
      `SELECT DISTINCT d.dataset_type FROM tagged t JOIN dataset d ON d.id = t.dataset_id WHERE t.collection IN (${part.map(() => '?').join(', ')})`,
      part,
    ))
      out.add(r.dataset_type);
  return out;
}

/**
 * The position in the flattened search path of the first collection that holds a dataset (its run,
 * or a TAGGED collection it is in): query-datasets lists all datasets collection by collection.
 */
export async function searchPositions(
  registry: Registry,
  search: readonly string[],
): Promise<(ref: { id: string; run: string }) => number> {
  const rank = new Map(search.map((c, i) => [c, i]));
  const types = new Map((await registry.queryCollections()).map((c) => [c.name, c.type]));
  const tagged = search.filter((c) => types.get(c) === 'TAGGED');
  const byTag = new Map<string, number>();
  for (const part of chunks(tagged))
    for (const r of await registry.db.all<{ id: string; c: string }>(
      `SELECT dataset_id AS id, collection AS c FROM tagged WHERE collection IN (${part.map(() => '?').join(', ')})`,
      part,
    ))
      byTag.set(r.id, Math.min(byTag.get(r.id) ?? Infinity, rank.get(r.c)!));
  return (ref) => Math.min(rank.get(ref.run) ?? Infinity, byTag.get(ref.id) ?? Infinity);
}
