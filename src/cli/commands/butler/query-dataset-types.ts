/** `quanta butler query-dataset-types REPO [GLOB...]` */
import type { Command } from 'commander';
import { searchDatasetTypes } from '../../../butler/dataset-type-search.js';
import { datasetTypesInCollections } from '../../../butler/summaries.js';
import { textTable } from '../../../butler/text-table.js';
import type { JsonOpt } from './common.js';
import { list, say, withButler } from './common.js';

export function registerQueryDatasetTypes(butler: Command): void {
  butler
    .command('query-dataset-types')
    .description('Dataset types whose names match the globs (all without one)')
    .argument('<repo>')
    .argument('[globs...]', 'names or globs (*, ?, [...]), e.g. "calexp*"')
    .option('-v, --verbose', 'also show the dimensions and storage class')
    .option(
      '--collections <c>',
      'only types with datasets in these collections (globs allowed; comma-separated)',
      list,
    )
    .option('--json', 'print [{name, dimensions, storageClass, isCalibration}]')
    .action(
      async (
        repo: string,
        globs: string[],
        opts: { verbose?: boolean; collections?: string[] } & JsonOpt,
      ) => {
        const types = await withButler(repo, async (b) => {
          const ts = await searchDatasetTypes(b.registry, globs);
          if (!opts.collections) return ts;
          const present = await datasetTypesInCollections(b.registry, opts.collections);
          return ts.filter((t) => present.has(t.name));
        });
        const json = types.map((t) => ({
          name: t.name,
          dimensions: t.dimensions,
          storageClass: t.storageClass,
          isCalibration: Boolean(t.isCalibration),
        }));
        const rows = opts.verbose
          ? json.map((t) => ({ name: t.name, dimensions: t.dimensions, 'storage class': t.storageClass }))
          : json.map((t) => ({ name: t.name }));
        say(opts, json, rows.length ? textTable(rows) : 'no dataset types match');
      },
    );
}
