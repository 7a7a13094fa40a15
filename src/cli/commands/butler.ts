/**
 * `quanta butler ...`: create a repository, register an instrument and a skymap, import, export,
 * ingest, define visits, query dataset types, dimension records, data IDs, datasets and
 * collections, chain collections and remove runs. One module per command family in ./butler/.
 */
import type { Command } from 'commander';
import { registerCollectionCommands } from './butler/collections.js';
import { registerQueryDataIds } from './butler/query-data-ids.js';
import { registerQueryDatasetTypes } from './butler/query-dataset-types.js';
import { registerQueryDatasets } from './butler/query-datasets.js';
import { registerQueryDimensionRecords } from './butler/query-dimension-records.js';
import { registerRemoveRuns } from './butler/remove-runs.js';
import { registerRepoCommands } from './butler/repo.js';

export function registerButlerCommands(program: Command): void {
  const butler = program.command('butler').description('Data repositories: registry, datastore, queries');
  registerRepoCommands(butler);
  registerQueryDatasetTypes(butler);
  registerQueryDimensionRecords(butler);
  registerQueryDataIds(butler);
  registerQueryDatasets(butler);
  registerCollectionCommands(butler);
  registerRemoveRuns(butler);
}
