/** `quanta butler query-data-ids REPO [DIMENSION...]` */
import type { Command } from 'commander';
import { searchDatasetTypes } from '../../../butler/dataset-type-search.js';
import { datasetTypesInCollections } from '../../../butler/summaries.js';
import type { Butler } from '../../../butler/index.js';
import type { DatasetType } from '../../../butler/registry/dataset-types.js';
import { textTable } from '../../../butler/text-table.js';
import { UsageError } from '../../../errors.js';
import type { JsonOpt } from './common.js';
import { applyLimit, DEFAULT_LIMIT, list, names, parseLimit, repeat, say, withButler } from './common.js';
import { parseBind, parseDataId, whereWithDataId } from './kv.js';
import { parseOrderBy, sortRows } from './order.js';

export interface QueryOpts extends JsonOpt {
  where?: string;
  bind?: string[];
  dataId?: string[];
  orderBy?: string[];
  limit: number;
}

/** The options every query command shares (as daf_butler's, plus --bind and -d). */
export function queryOptions(cmd: Command, orderHelp: string): Command {
  return cmd
    .option('--where <expr>', 'Butler expression, e.g. "instrument=\'ToyCam\' and visit in (1..10)"')
    .option('--bind <name=value>', 'a value for :name in --where (repeatable; 1,2,3 is a list)', repeat)
    .option(
      '-d, --data-id <key=value>',
      'constrain the data ID, e.g. -d instrument=ToyCam,detector=3 (repeatable)',
      repeat,
    )
    .option('--order-by <names>', `${orderHelp} (comma-separated, repeatable; -name reverses)`, repeat)
    .option(
      '--limit <n>',
      'at most n results; 0: all; negative: at most -n, with a warning if cut',
      parseLimit,
      DEFAULT_LIMIT,
    )
    .option('--json');
}

/**
 * The dataset types of `--datasets` that constrain data IDs, or undefined when no data ID can
 * match (no type matched, or a type without dimensions has no dataset in the collections: such a
 * type constrains no column, it only has to exist there).
 */
export async function constrainingTypes(
  b: Butler,
  patterns: string[],
  collections: string[],
): Promise<DatasetType[] | undefined> {
  const types = await searchDatasetTypes(b.registry, patterns);
  if (types.length === 0) return undefined;
  const dimensionless = types.filter((t) => t.dimensions.length === 0);
  if (dimensionless.length) {
    const present = await datasetTypesInCollections(b.registry, collections);
    if (dimensionless.some((t) => !present.has(t.name))) return undefined;
  }
  return types.filter((t) => t.dimensions.length > 0);
}

export function registerQueryDataIds(butler: Command): void {
  queryOptions(
    butler
      .command('query-data-ids')
      .description('Data IDs of the given dimensions (expanded with required and implied dimensions)')
      .argument('<repo>')
      .argument('[dimensions...]', 'dimensions (default: those of the --datasets types)')
      .option('--collections <c>', 'collections to search, globs allowed (comma-separated; repeatable)', list)
      .option(
        '--datasets <t>',
        'only data IDs with datasets of these types (globs allowed) in the collections',
        list,
      ),
    'dimensions to sort by',
  ).action(
    async (
      repo: string,
      dims: string[],
      opts: QueryOpts & { collections?: string[]; datasets?: string[] },
    ) => {
      const bind = parseBind(opts.bind);
      const ids = await withButler(repo, async (b) => {
        const types = opts.datasets ? await constrainingTypes(b, opts.datasets, opts.collections ?? []) : [];
        if (!types) return [];
        let dimensions = names(dims);
        if (dimensions.length === 0)
          dimensions = b.universe.sortDimensions(types.flatMap((t) => t.dimensions));
        if (dimensions.length === 0)
          throw new UsageError(
            'NO_DIMENSIONS',
            'query-data-ids needs dimensions (e.g. visit detector) or --datasets whose dimensions to use.',
          );
        const q = whereWithDataId(opts.where, bind, parseDataId(b.universe, opts.dataId));
        const rows = await b.registry.queryDataIds(dimensions, {
          where: q.where,
          bind: q.bind,
          collections: opts.collections,
          datasets: types.length ? types.map((t) => t.name) : undefined,
        });
        const cols = b.universe.expand(dimensions);
        const order = parseOrderBy(opts.orderBy, (n) => (cols.includes(n) ? n : undefined), cols);
        return sortRows(rows, order, (r, c) => r[c]);
      });
      const shown = applyLimit(ids, opts.limit, 'data IDs');
      say(opts, shown, shown.length ? textTable(shown) : 'no data IDs match');
    },
  );
}
