/** `quanta butler query-datasets REPO [GLOB...]` */
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { searchDatasetTypes } from '../../../butler/dataset-type-search.js';
import { isGlob } from '../../../butler/glob.js';
import type { Butler } from '../../../butler/index.js';
import { identifyingDimensions } from '../../../butler/registry/columns.js';
import type { DatasetRef } from '../../../butler/registry/datasets.js';
import { searchPositions } from '../../../butler/summaries.js';
import { textTable } from '../../../butler/text-table.js';
import { UsageError } from '../../../errors.js';
import type { DatasetView } from './common.js';
import { applyLimit, datasetView, list, say, withButler } from './common.js';
import type { BindMap } from './kv.js';
import { parseBind, parseDataId, whereWithDataId } from './kv.js';
import type { QueryOpts } from './query-data-ids.js';
import { queryOptions } from './query-data-ids.js';
import { parseOrderBy, sortRows } from './order.js';

interface DatasetsOpts extends QueryOpts {
  collections?: string[];
  findFirst?: boolean;
  showUri?: boolean;
}

type Row = DatasetView & { uri?: string | null };

async function find(
  b: Butler,
  type: string,
  opts: DatasetsOpts,
  q: { where?: string; bind: BindMap },
  search: { collections: string[]; position: (ref: DatasetRef) => number } | undefined,
): Promise<DatasetRef[]> {
  if (!search) return b.registry.findDatasets(type, { collections: opts.collections!, ...q });
  // every dataset once, collection by collection in search order (sorted by data ID within one)
  const refs = await b.registry.findDatasets(type, {
    collections: search.collections,
    ...q,
    findFirst: false,
  });
  return refs
    .map((ref, i) => ({ ref, i, at: search.position(ref) }))
    .sort((x, y) => x.at - y.at || x.i - y.i)
    .map((x) => x.ref);
}

export function registerQueryDatasets(butler: Command): void {
  queryOptions(
    butler
      .command('query-datasets')
      .description('Datasets of the matching types in the collections')
      .argument('<repo>')
      .argument('[globs...]', 'dataset type names or globs (default: all types)')
      .option(
        '--collections <c>',
        'collections to search, globs allowed (default: all; comma-separated, repeatable)',
        list,
      )
      .option('--find-first', 'per data ID only the dataset in the first collection that has one (no globs)')
      .option('--no-find-first', 'every matching dataset in every collection (the default)')
      .option('--show-uri', 'add the file URI of each dataset'),
    'dimensions to sort by (also run, id)',
  ).action(async (repo: string, globs: string[], opts: DatasetsOpts) => {
    if (opts.findFirst && (!opts.collections?.length || opts.collections.some(isGlob)))
      throw new UsageError(
        'FIND_FIRST_COLLECTIONS',
        `--find-first needs --collections naming collections in search order, without globs${opts.collections?.length ? ` (got ${opts.collections.join(', ')})` : ''}.`,
      );
    const bind = parseBind(opts.bind);
    const result = await withButler(repo, async (b) => {
      const q = whereWithDataId(opts.where, bind, parseDataId(b.universe, opts.dataId));
      const types = await searchDatasetTypes(b.registry, globs);
      const collections = opts.findFirst
        ? undefined
        : await b.registry.resolveCollections(opts.collections ?? ['*']);
      const search = collections && { collections, position: await searchPositions(b.registry, collections) };
      const rows: Row[] = [];
      const dims = new Map<string, string[]>();
      for (const t of types) {
        dims.set(t.name, identifyingDimensions(b.universe, t.dimensions));
        for (const ref of await find(b, t.name, opts, q, search)) {
          const row: Row = datasetView(ref);
          if (opts.showUri)
            row.uri = ref.path === undefined ? null : pathToFileURL(b.datastore.absolute(ref.path)).href;
          rows.push(row);
        }
      }
      const cols = [...new Set([...dims.values()].flat()), 'run', 'id'];
      const order = parseOrderBy(opts.orderBy, (n) => (cols.includes(n) ? n : undefined), cols);
      const get = (r: Row, c: string): unknown => (c === 'run' ? r.run : c === 'id' ? r.id : r.dataId[c]);
      return { rows: sortRows(rows, order, get), dims };
    });
    const shown = applyLimit(result.rows, opts.limit, 'datasets');
    say(opts, shown, shown.length ? humanTables(shown, result.dims, opts.showUri) : 'no datasets match');
  });
}

/** One table per dataset type: type, run, id, its identifying dimensions (and URI). */
function humanTables(rows: Row[], dims: Map<string, string[]>, uri?: boolean): string {
  const tables: string[] = [];
  for (const [type, ds] of dims) {
    const mine = rows.filter((r) => r.datasetType === type);
    if (mine.length === 0) continue;
    const flat = mine.map((r) => ({
      type,
      run: r.run,
      id: r.id,
      ...Object.fromEntries(ds.map((d) => [d, r.dataId[d]])),
      ...(uri ? { URI: r.uri } : {}),
    }));
    tables.push(textTable(flat, ['type', 'run', 'id', ...ds, ...(uri ? ['URI'] : [])]));
  }
  return tables.join('\n');
}
