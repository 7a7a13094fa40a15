/** `quanta runs [ROOT]`: the runs under a submit root, one line each (monitor/run-list.ts). */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { printJson } from '../output.js';

export function registerRunsCommands(program: Command): void {
  program
    .command('runs [root]')
    .description('list the runs under a submit root (default: ./submit): state, job counts, start, manager')
    .option('--json', 'print JSON on stdout')
    .action(async (root: string | undefined, flags: { json?: boolean }) => {
      // the implementation loads in the action: start-up stays fast (docs/architecture.md)
      const { formatRunList, listRuns } = await import('../../monitor/run-list.js');
      const dir = resolve(root ?? 'submit');
      if (!existsSync(dir) || !statSync(dir).isDirectory()) {
        throw new UsageError(
          'NO_SUBMIT_ROOT',
          `${root ?? 'submit'} is not a directory: give the folder your runs' submit dirs are in (the submitPath of your bps YAML, without its {outputRun})`,
          { file: dir },
        );
      }
      const list = await listRuns(dir);
      if (flags.json) printJson(list);
      else process.stdout.write(formatRunList(list));
    });
}
