/** `quanta butler query-collections` and `collection-chain`. */
import type { Command } from 'commander';
import { globMatcher, isGlob } from '../../../butler/glob.js';
import type { CollectionInfo } from '../../../butler/registry/collections.js';
import { suggest } from '../../../butler/registry/messages.js';
import { textTable } from '../../../butler/text-table.js';
import { RegistryError, UsageError } from '../../../errors.js';
import type { JsonOpt } from './common.js';
import { list, names, say, withButler } from './common.js';
import { quantaCommand } from '../../../util/cli-hint.js';

const CHAIN_MODES = ['table', 'inverse-table', 'tree', 'inverse-tree', 'flatten', 'no-children'] as const;
type ChainMode = (typeof CHAIN_MODES)[number];
const TYPES = ['run', 'tagged', 'chained', 'calibration'];

interface Row {
  name: string;
  type: string;
  [column: string]: string;
}

/** The human table of each --chains mode (JSON is always the list of collections). */
function render(mode: ChainMode, shown: CollectionInfo[], all: Map<string, CollectionInfo>): Row[] {
  const parents = new Map<string, string[]>();
  for (const c of all.values())
    for (const k of c.children) parents.set(k, [...(parents.get(k) ?? []), c.name]);
  const rows: Row[] = [];
  const multi = (c: CollectionInfo, column: string, values: string[]): void => {
    rows.push({ name: c.name, type: c.type, [column]: values[0] ?? '' });
    for (const v of values.slice(1)) rows.push({ name: '', type: '', [column]: v });
  };
  const tree = (name: string, depth: number, next: (n: string) => string[]): void => {
    rows.push({ name: `${'  '.repeat(depth)}${name}`, type: all.get(name)?.type ?? '' });
    if (depth < 100) for (const k of next(name)) tree(k, depth + 1, next);
  };
  for (const c of shown) {
    if (mode === 'table') multi(c, 'children', c.children);
    else if (mode === 'inverse-table') multi(c, 'parents', parents.get(c.name) ?? []);
    else if (mode === 'tree') tree(c.name, 0, (n) => all.get(n)?.children ?? []);
    else if (mode === 'inverse-tree') tree(c.name, 0, (n) => parents.get(n) ?? []);
    else rows.push({ name: c.name, type: c.type });
  }
  return rows;
}

/** The RUN and TAGGED collections a chain stands for, in search order (first occurrence). */
function flatten(
  c: CollectionInfo,
  all: Map<string, CollectionInfo>,
  out: Map<string, CollectionInfo>,
  depth = 0,
): void {
  if (c.type !== 'CHAINED') out.set(c.name, c);
  else if (depth < 100) for (const k of c.children) flatten(all.get(k)!, all, out, depth + 1);
}

export function unknownCollection(name: string, known: string[]): RegistryError {
  return new RegistryError(
    'REGISTRY_UNKNOWN_COLLECTION',
    `Collection "${name}" does not exist${suggest(name, known)}; list them with ${quantaCommand('butler query-collections REPO')}.`,
    { key: name },
  );
}

export function registerCollectionCommands(butler: Command): void {
  butler
    .command('query-collections')
    .description('Collections whose names match the globs (all without one), with their chains')
    .argument('<repo>')
    .argument('[globs...]', 'names or globs (*, ?, [...]), e.g. "u/me/*"')
    .option(
      '--collection-type <t>',
      `only collections of these types: ${TYPES.join(', ')} (comma-separated; repeatable)`,
      list,
    )
    .option('--chains <mode>', `how to show chains: ${CHAIN_MODES.join(', ')}`, 'tree')
    .option('--json', 'print [{name, type, children}]')
    .action(
      async (
        repo: string,
        globs: string[],
        opts: { collectionType?: string[]; chains: string } & JsonOpt,
      ) => {
        const mode = opts.chains.toLowerCase() as ChainMode;
        if (!CHAIN_MODES.includes(mode))
          throw new UsageError(
            'BAD_CHAINS',
            `--chains ${opts.chains} is not one of ${CHAIN_MODES.join(', ')}.`,
          );
        const wanted = (opts.collectionType ?? []).map((t) => t.toLowerCase());
        for (const t of wanted)
          if (!TYPES.includes(t))
            throw new UsageError(
              'BAD_COLLECTION_TYPE',
              `--collection-type ${t} is not one of ${TYPES.join(', ')}.`,
            );
        const match = globMatcher(names(globs));
        const infos = await withButler(repo, (b) => b.registry.queryCollections());
        const all = new Map(infos.map((c) => [c.name, c]));
        for (const g of names(globs))
          if (!isGlob(g) && !all.has(g)) throw unknownCollection(g, [...all.keys()]);
        const ofType = (c: CollectionInfo): boolean =>
          wanted.length === 0 || wanted.includes(c.type.toLowerCase());
        let shown = infos.filter((c) => match(c.name));
        if (mode === 'flatten') {
          const flat = new Map<string, CollectionInfo>();
          for (const c of shown) flatten(c, all, flat);
          shown = [...flat.values()];
        }
        shown = shown.filter(ofType);
        say(opts, shown, shown.length ? textTable(render(mode, shown, all)) : 'no collections match');
      },
    );

  butler
    .command('collection-chain')
    .description('Set the ordered children of a CHAINED collection (created when missing)')
    .argument('<repo>')
    .argument('<parent>')
    .argument('<children...>')
    .option('--json')
    .action(async (repo: string, parent: string, children: string[], opts: JsonOpt) => {
      const kids = names(children);
      const chain = await withButler(repo, async (b) => {
        await b.registry.setCollectionChain(parent, kids);
        return b.registry.getCollectionChain(parent);
      });
      say(opts, { name: parent, type: 'CHAINED', children: chain }, `${parent} -> ${chain.join(', ')}`);
    });
}
