/** `quanta butler` commands that build a repository: create, register-*, import, ingest, define-visits. */
import type { Command } from 'commander';
import { searchDatasetTypes } from '../../../butler/dataset-type-search.js';
import { textTable } from '../../../butler/text-table.js';
import { UsageError } from '../../../errors.js';
import type { JsonOpt } from './common.js';
import { datasetView, list, say, warn, withButler } from './common.js';

// Each action imports the code it runs: start-up stays fast (docs/architecture.md, "Start-up").
export function registerRepoCommands(butler: Command): void {
  butler
    .command('create')
    .description('Create a data repository (SQLite registry inside it, or PostgreSQL with --registry)')
    .argument('<repo>', 'repository directory')
    .option('--registry <url>', 'postgresql://USER:PASSWORD@HOST:PORT/DB (each repo gets its own schema)')
    .option('--json', 'print the repository config as JSON')
    .action(async (repo: string, opts: { registry?: string } & JsonOpt) => {
      const { createButler, redact } = await import('../../../butler/index.js');
      const b = await createButler(repo, { registry: opts.registry });
      await b.close();
      const db = redact(b.config.registry.db);
      say(
        opts,
        { root: b.root, registry: { ...b.config.registry, db } },
        `created repository ${b.root} (registry ${db})`,
      );
    });

  butler
    .command('register-instrument')
    .description('Register an instrument (detectors, physical filters, bands) from an instrument YAML')
    .argument('<repo>')
    .argument('<instrument-yaml>')
    .option('--json')
    .action(async (repo: string, file: string, opts: JsonOpt) => {
      const { registerInstrument } = await import('../../../butler/instrument.js');
      const spec = await withButler(repo, (b) => registerInstrument(b, file));
      const out = {
        instrument: spec.name,
        detectors: spec.detectors.length,
        physicalFilters: spec.physical_filters.length,
      };
      say(
        opts,
        out,
        `registered instrument ${spec.name}: ${out.detectors} detectors, ${out.physicalFilters} physical filters`,
      );
    });

  butler
    .command('register-skymap')
    .description('Register a tangent-plane skymap (tracts and patches with regions) from a skymap YAML')
    .argument('<repo>')
    .argument('<skymap-yaml>')
    .option('--json')
    .action(async (repo: string, file: string, opts: JsonOpt) => {
      const { registerSkymap } = await import('../../../butler/skymap.js');
      const out = await withButler(repo, (b) => registerSkymap(b, file));
      say(opts, out, `registered skymap ${out.name}: ${out.tracts} tracts, ${out.patches} patches`);
    });

  butler
    .command('import')
    .description('Import a daf_butler export YAML: dimension records, collections, dataset types, datasets')
    .argument('<repo>')
    .argument('<export-yaml>')
    .option('--strict', 'fail on elements, fields or entries quanta does not know instead of reporting them')
    .option('--json')
    .action(async (repo: string, file: string, opts: { strict?: boolean } & JsonOpt) => {
      const { importExport } = await import('../../../butler/import.js');
      const rep = await withButler(repo, (b) => importExport(b, file, { strict: opts.strict }));
      for (const w of rep.warnings) warn(w);
      const dims = Object.entries(rep.dimensions).map(([element, records]) => ({ element, records }));
      say(
        opts,
        rep,
        `${textTable(dims)}imported ${rep.collections} collections, ${rep.datasetTypes} dataset types, ${rep.datasets} datasets`,
      );
    });

  butler
    .command('export')
    .description('Write a daf_butler export YAML (butler import loads it): all, or the selected datasets')
    .argument('<repo>')
    .argument('<file>', 'export file to write, e.g. export.yaml')
    .option(
      '--collections <c>',
      'collections to export, globs allowed; chains bring their children (comma-separated)',
      list,
    )
    .option(
      '--dataset-types <t>',
      'dataset types to export, globs allowed (comma-separated; repeatable)',
      list,
    )
    .option('--where <expr>', "Butler expression on the datasets' data IDs")
    .option('--json')
    .action(
      async (
        repo: string,
        file: string,
        opts: { collections?: string[]; datasetTypes?: string[]; where?: string } & JsonOpt,
      ) => {
        const { exportRepository } = await import('../../../butler/export.js');
        const rep = await withButler(repo, async (b) => {
          const datasetTypes = opts.datasetTypes
            ? (await searchDatasetTypes(b.registry, opts.datasetTypes)).map((t) => t.name)
            : undefined;
          return exportRepository(b, file, {
            collections: opts.collections,
            datasetTypes,
            where: opts.where,
          });
        });
        const dims = Object.entries(rep.dimensions).map(([element, records]) => ({ element, records }));
        say(
          opts,
          rep,
          `${textTable(dims)}exported ${rep.collections} collections, ${rep.datasetTypes} dataset types, ${rep.datasets} datasets to ${file}`,
        );
      },
    );

  butler
    .command('ingest')
    .description('Ingest FITS raws into a run (exposure metadata from the headers)')
    .argument('<repo>')
    .argument('<files...>')
    .requiredOption('--run <run>', 'RUN collection to ingest into')
    .option('--transfer <mode>', 'copy (into the datastore) or direct (leave the files in place)', 'copy')
    .option('--json')
    .action(async (repo: string, files: string[], opts: { run: string; transfer: string } & JsonOpt) => {
      if (opts.transfer !== 'copy' && opts.transfer !== 'direct')
        throw new UsageError('BAD_TRANSFER', `--transfer ${opts.transfer} is not one of copy, direct.`);
      const { ingestRaws } = await import('../../../butler/ingest.js');
      const refs = await withButler(repo, (b) =>
        ingestRaws(b, files, { run: opts.run, transfer: opts.transfer as 'copy' }),
      );
      say(opts, refs.map(datasetView), `ingested ${refs.length} raws into ${opts.run}`);
    });

  butler
    .command('define-visits')
    .description('Define one visit per science exposure, with visit and visit-detector regions')
    .argument('<repo>')
    .argument('<instrument>')
    .option('--json')
    .action(async (repo: string, instrument: string, opts: JsonOpt) => {
      const { defineVisits } = await import('../../../butler/define-visits.js');
      const out = await withButler(repo, (b) => defineVisits(b, instrument));
      say(
        opts,
        out,
        `defined ${out.visits} visits (${out.visitDetectorRegions} visit-detector regions; ${out.skipped} exposures skipped)`,
      );
    });
}
