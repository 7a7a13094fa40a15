/**
 * `quanta butler ...`: create a repository, register an instrument and a skymap, import, ingest,
 * define visits, query data IDs, datasets and collections, chain and remove collections.
 */
import { rm } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { Command } from 'commander';
import { createButler, openButler, redact } from '../../butler/index.js';
import type { Butler } from '../../butler/index.js';
import { defineVisits } from '../../butler/define-visits.js';
import { importExport } from '../../butler/import.js';
import { ingestRaws } from '../../butler/ingest.js';
import { registerInstrument } from '../../butler/instrument.js';
import { registerSkymap } from '../../butler/skymap.js';
import { textTable } from '../../butler/text-table.js';
import { UsageError } from '../../errors.js';
import { printJson } from '../output.js';

interface JsonOpt {
  json?: boolean;
}

async function withButler<T>(repo: string, fn: (b: Butler) => Promise<T>): Promise<T> {
  const b = await openButler(repo);
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}

/** `--collections a,b --collections c` -> [a, b, c] */
function list(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

function say(opts: JsonOpt, value: unknown, human: string): void {
  if (opts.json) printJson(value);
  else process.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
}

export function registerButlerCommands(program: Command): void {
  const butler = program.command('butler').description('Data repositories: registry, datastore, queries');

  butler
    .command('create')
    .description('Create a data repository (SQLite registry inside it, or PostgreSQL with --registry)')
    .argument('<repo>', 'repository directory')
    .option('--registry <url>', 'postgresql://USER:PASSWORD@HOST:PORT/DB (each repo gets its own schema)')
    .option('--json', 'print the repository config as JSON')
    .action(async (repo: string, opts: { registry?: string } & JsonOpt) => {
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
      const rep = await withButler(repo, (b) => importExport(b, file, { strict: opts.strict }));
      for (const w of rep.warnings) process.stderr.write(`quanta: warning: ${w}\n`);
      const dims = Object.entries(rep.dimensions).map(([element, records]) => ({ element, records }));
      say(
        opts,
        rep,
        `${textTable(dims)}imported ${rep.collections} collections, ${rep.datasetTypes} dataset types, ${rep.datasets} datasets`,
      );
    });

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
      const out = await withButler(repo, (b) => defineVisits(b, instrument));
      say(
        opts,
        out,
        `defined ${out.visits} visits (${out.visitDetectorRegions} visit-detector regions; ${out.skipped} exposures skipped)`,
      );
    });

  butler
    .command('query-data-ids')
    .description('Data IDs of the given dimensions (expanded with required and implied dimensions)')
    .argument('<repo>')
    .argument('<dimensions...>')
    .option('--where <expr>', 'Butler expression, e.g. "instrument=\'ToyCam\' and visit in (1..10)"')
    .option('--collections <c>', 'collections to search (comma-separated; repeatable)', list)
    .option('--datasets <t>', 'only data IDs with datasets of these types in the collections', list)
    .option('--json')
    .action(
      async (
        repo: string,
        dims: string[],
        opts: { where?: string; collections?: string[]; datasets?: string[] } & JsonOpt,
      ) => {
        const dimensions = dims.flatMap((d) => d.split(',')).filter(Boolean);
        const ids = await withButler(repo, (b) =>
          b.registry.queryDataIds(dimensions, {
            where: opts.where,
            collections: opts.collections,
            datasets: opts.datasets,
          }),
        );
        say(opts, ids, ids.length ? textTable(ids) : 'no data IDs match');
      },
    );

  butler
    .command('query-datasets')
    .description('Datasets of a type found along the collection search path')
    .argument('<repo>')
    .argument('<dataset-type>')
    .requiredOption('--collections <c>', 'collections to search (comma-separated; repeatable)', list)
    .option('--where <expr>', 'Butler expression on the data IDs')
    .option('--json')
    .action(async (repo: string, type: string, opts: { collections: string[]; where?: string } & JsonOpt) => {
      const refs = await withButler(repo, (b) =>
        b.registry.findDatasets(type, { collections: opts.collections, where: opts.where }),
      );
      const rows = refs.map(datasetView);
      say(
        opts,
        rows,
        rows.length
          ? textTable(
              rows.map((r) => ({ type: r.datasetType, run: r.run, id: r.id, ...r.dataId, path: r.path })),
            )
          : 'no datasets match',
      );
    });

  butler
    .command('query-collections')
    .description('Collections (name, type, children of chains)')
    .argument('<repo>')
    .argument('[pattern]', 'glob, e.g. "u/*"')
    .option('--json')
    .action(async (repo: string, pattern: string | undefined, opts: JsonOpt) => {
      const cs = await withButler(repo, (b) => b.registry.queryCollections(pattern));
      say(opts, cs, cs.length ? textTable(cs) : 'no collections');
    });

  butler
    .command('collection-chain')
    .description('Set the ordered children of a CHAINED collection (created when missing)')
    .argument('<repo>')
    .argument('<parent>')
    .argument('<children...>')
    .option('--json')
    .action(async (repo: string, parent: string, children: string[], opts: JsonOpt) => {
      const kids = children.flatMap((c) => c.split(',')).filter(Boolean);
      const chain = await withButler(repo, async (b) => {
        await b.registry.setCollectionChain(parent, kids);
        return b.registry.getCollectionChain(parent);
      });
      say(opts, { name: parent, type: 'CHAINED', children: chain }, `${parent} -> ${chain.join(', ')}`);
    });

  butler
    .command('remove-runs')
    .description('Remove RUN collections, their datasets and their files')
    .argument('<repo>')
    .argument('<runs...>')
    .option('--json')
    .action(async (repo: string, runs: string[], opts: JsonOpt) => {
      const removed = await withButler(repo, async (b) => {
        const paths = await b.registry.removeRuns(runs);
        // files ingested in place (absolute paths) belong to the user, not the datastore
        for (const p of paths) if (!isAbsolute(p)) await rm(b.datastore.absolute(p), { force: true });
        return paths.length;
      });
      say(opts, { runs, datasets: removed }, `removed ${runs.length} runs (${removed} datasets)`);
    });
}

function datasetView(r: {
  id: string;
  datasetType: string;
  run: string;
  dataId: Record<string, string | number>;
  path?: string;
}) {
  return { id: r.id, datasetType: r.datasetType, run: r.run, dataId: r.dataId, path: r.path ?? null };
}
