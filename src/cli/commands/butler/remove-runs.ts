/**
 * `quanta butler remove-runs REPO GLOB...`: shows the runs and how many datasets of each type go
 * with them, asks `Continue? [y/N]` on a terminal, then removes them (unlinking them from the
 * chains that hold them) and deletes their files. As daf_butler: `--no-confirm` skips the
 * question, and then `--force` is needed for runs that are members of a chain.
 */
import { rm } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { globMatcher, isGlob } from '../../../butler/glob.js';
import type { Butler } from '../../../butler/index.js';
import { datasetCountsByRun } from '../../../butler/summaries.js';
import { textTable } from '../../../butler/text-table.js';
import { RegistryError, UsageError } from '../../../errors.js';
import type { JsonOpt } from './common.js';
import { names, say, withButler } from './common.js';
import { unknownCollection } from './collections.js';

interface Plan {
  runs: { name: string; datasets: number; chains: string[] }[];
  byType: Record<string, number>;
  datasets: number;
}

async function plan(b: Butler, globs: string[]): Promise<Plan> {
  const infos = await b.registry.queryCollections();
  const byName = new Map(infos.map((c) => [c.name, c]));
  for (const g of globs) {
    if (isGlob(g)) continue;
    const c = byName.get(g);
    if (!c) throw unknownCollection(g, [...byName.keys()]);
    if (c.type !== 'RUN')
      throw new RegistryError(
        'REGISTRY_NOT_RUN',
        `Collection "${g}" is ${c.type}, not a RUN; remove-runs removes only runs.`,
        {
          key: g,
        },
      );
  }
  const match = globMatcher(globs);
  const runs = infos.filter((c) => c.type === 'RUN' && match(c.name)).map((c) => c.name);
  const counts = await datasetCountsByRun(b.registry, runs);
  const byType: Record<string, number> = {};
  for (const perType of counts.values())
    for (const [t, n] of Object.entries(perType)) byType[t] = (byType[t] ?? 0) + n;
  const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, n) => a + n, 0);
  return {
    runs: runs.map((name) => ({
      name,
      datasets: sum(counts.get(name) ?? {}),
      chains: infos.filter((c) => c.children.includes(name)).map((c) => c.name),
    })),
    byType: Object.fromEntries(Object.entries(byType).sort(([a], [b]) => (a < b ? -1 : 1))),
    datasets: sum(byType),
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describe(p: Plan, done: boolean): string {
  const table = textTable(
    p.runs.map((r) => ({ run: r.name, datasets: r.datasets, 'unlinked from chains': r.chains })),
  );
  const types = Object.entries(p.byType)
    .map(([t, n]) => `${t} (${n})`)
    .join(', ');
  const verb = done ? 'Removed' : 'Will remove';
  return `${verb} ${plural(p.runs.length, 'RUN collection')} and ${plural(p.datasets, 'dataset')}${types ? `: ${types}` : ''}.\n${table}`;
}

async function ask(question: string, out: NodeJS.WritableStream): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: out, terminal: false });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function registerRemoveRuns(butler: Command): void {
  butler
    .command('remove-runs')
    .description('Remove RUN collections, their datasets and their files (asks first)')
    .argument('<repo>')
    .argument('<globs...>', 'run names or globs (*, ?, [...]), e.g. "u/me/test/*"')
    .option('--no-confirm', 'do not ask before removing')
    .option('--force', 'with --no-confirm: also remove runs that are members of CHAINED collections')
    .option('--json', 'print {runs, datasets, byType, removed}')
    .action(
      async (repo: string, globArgs: string[], opts: { confirm: boolean; force?: boolean } & JsonOpt) => {
        const globs = names(globArgs);
        // the question and the listing go to stderr with --json, so stdout stays one JSON document
        const out = opts.json ? process.stderr : process.stdout;
        const result = await withButler(repo, async (b) => {
          const p = await plan(b, globs);
          if (p.runs.length === 0) return { p, removed: false, said: 'No RUN collections match.' };
          if (opts.confirm) {
            if (!process.stdin.isTTY)
              throw new UsageError(
                'CONFIRM_NEEDS_TTY',
                `remove-runs would remove ${plural(p.runs.length, 'run')} (${plural(p.datasets, 'dataset')}) and asks first, but stdin is not a terminal: pass --no-confirm to remove them without asking.`,
              );
            out.write(describe(p, false));
            if (!(await ask('Continue? [y/N] ', out)))
              return { p, removed: false, said: 'Aborted: nothing was removed.' };
          } else if (!opts.force) {
            const chained = p.runs.filter((r) => r.chains.length);
            if (chained.length)
              throw new UsageError(
                'REMOVE_CHAINED_RUNS',
                `${chained.map((r) => `"${r.name}" (in ${r.chains.join(', ')})`).join(', ')} ${chained.length === 1 ? 'is a member' : 'are members'} of CHAINED collections and would be unlinked from them: add --force to remove without asking, or leave out --no-confirm to be asked.`,
              );
          }
          const paths = await b.registry.removeRuns(p.runs.map((r) => r.name));
          // files ingested in place (absolute paths) belong to the user, not the datastore
          for (const f of paths) if (!isAbsolute(f)) await rm(b.datastore.absolute(f), { force: true });
          return { p, removed: true, said: describe(p, true) };
        });
        const { p, removed } = result;
        say(
          opts,
          { runs: p.runs.map((r) => r.name), datasets: p.datasets, byType: p.byType, removed },
          result.said,
        );
      },
    );
}
