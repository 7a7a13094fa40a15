/** `quanta butler query-dimension-records REPO ELEMENT` */
import type { Command } from 'commander';
import { elementColumns, primaryKeyColumns } from '../../../butler/registry/columns.js';
import type { DimensionRecord } from '../../../butler/registry/records.js';
import { textTable } from '../../../butler/text-table.js';
import type { DimensionUniverse } from '../../../butler/universe.js';
import { RegistryError } from '../../../errors.js';
import { applyLimit, list, say, withButler } from './common.js';
import { parseBind, parseDataId } from './kv.js';
import type { QueryOpts } from './query-data-ids.js';
import { constrainingTypes, queryOptions } from './query-data-ids.js';
import { parseOrderBy, sortRows } from './order.js';

/** `exposure.day_obs`, `timespan.begin`, `exposure` (its key) -> the record field. */
function fieldResolver(universe: DimensionUniverse, element: string, fields: string[]) {
  const key = universe.element(element).keys[0]?.name;
  return (name: string): string | undefined => {
    const n = name.startsWith(`${element}.`) ? name.slice(element.length + 1) : name;
    const f = n === 'timespan.begin' ? 'timespan_begin' : n === 'timespan.end' ? 'timespan_end' : n;
    if (fields.includes(f)) return f;
    if (f === element && key) return key;
    return undefined;
  };
}

/** Region values are long; the table shows them as daf_butler does, the JSON in full. */
function cellView(r: DimensionRecord): DimensionRecord {
  return Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, v !== null && typeof v === 'object' ? '(elided)' : v]),
  );
}

export function registerQueryDimensionRecords(butler: Command): void {
  queryOptions(
    butler
      .command('query-dimension-records')
      .description('Records of a dimension element (fields, regions in --json)')
      .argument('<repo>')
      .argument('<element>', 'dimension element, e.g. exposure, detector, visit_detector_region')
      .option(
        '--collections <c>',
        'with --datasets: collections to search, globs allowed (comma-separated)',
        list,
      )
      .option('--datasets <t>', 'only records of data IDs with datasets of these types (globs allowed)', list)
      .option('--no-check', 'accepted for compatibility with butler (quanta always checks the query)'),
    'record fields to sort by',
  ).action(
    async (
      repo: string,
      element: string,
      opts: QueryOpts & { collections?: string[]; datasets?: string[]; check?: boolean },
    ) => {
      const bind = parseBind(opts.bind);
      const rows = await withButler(repo, async (b) => {
        const u = b.universe;
        const dataId = parseDataId(u, opts.dataId);
        let records = await b.registry.queryDimensionRecords(element, { where: opts.where, bind, dataId });
        const pk = primaryKeyColumns(u, element);
        if (opts.datasets) {
          const collections = opts.collections ?? ['*'];
          const types = await constrainingTypes(b, opts.datasets, collections);
          const spec = u.element(element);
          const dims = u.isDimension(element) ? [element] : spec.requires;
          const ids = !types
            ? []
            : await b.registry.queryDataIds(dims, {
                collections,
                datasets: types.length ? types.map((t) => t.name) : undefined,
              });
          const key = spec.keys[0]?.name;
          const keep = new Set(
            ids.map((id) => JSON.stringify(pk.map((c) => (c === key ? id[element] : id[c])))),
          );
          records = records.filter((r) => keep.has(JSON.stringify(pk.map((c) => r[c]))));
        } else if (opts.collections)
          throw new RegistryError(
            'REGISTRY_NO_DATASETS',
            '--collections needs --datasets (the dataset types whose data IDs select the records).',
          );
        const fields = elementColumns(u, element).map((c) => c.name);
        const order = parseOrderBy(opts.orderBy, fieldResolver(u, element, fields), fields);
        const byKey = sortRows(
          records,
          pk.map((column) => ({ column, descending: false })),
          (r, c) => r[c],
        );
        return { fields, records: sortRows(byKey, order, (r, c) => r[c]) };
      });
      const shown = applyLimit(rows.records, opts.limit, `${element} records`);
      say(
        opts,
        shown,
        shown.length ? textTable(shown.map(cellView), rows.fields) : `no ${element} records match`,
      );
    },
  );
}
