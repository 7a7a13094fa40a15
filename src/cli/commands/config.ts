import type { Command } from 'commander';
import { maskPasswords } from '../../util/redact.js';

/** Every command that reads a submit YAML takes this flag (config show, qgraph, submit, sbatch). */
export const ALLOW_UNKNOWN_KEYS_FLAG = '--allow-unknown-keys';
export const ALLOW_UNKNOWN_KEYS_HELP =
  'only warn about a misspelt key that changes what is selected or requested (dataQuery, requestMemory, nodes_per_block, ...)';

/** The submit config's warnings on stderr, one line each (the same for every command). */
export function printConfigWarnings(warnings: readonly string[]): void {
  for (const w of warnings) process.stderr.write(`quanta: warning: ${w}\n`);
}

/** `quanta config show BPS.yaml [--json] [--explain]`: the resolved submit config. */
export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('Inspect bps-style submit configs');
  config
    .command('show')
    .description(
      'Print the resolved submit config: includes merged, ${ENV} and {name} expanded, defaults filled in',
    )
    .argument('<file>', 'submit YAML (bps style)')
    .option('--json', 'print one JSON object with the YAML key names and nesting')
    .option(
      '--explain',
      'say for each value which file:line (or default, or environment variable) it came from',
    )
    .option(ALLOW_UNKNOWN_KEYS_FLAG, ALLOW_UNKNOWN_KEYS_HELP)
    .action(async (file: string, opts: { json?: boolean; explain?: boolean; allowUnknownKeys?: boolean }) => {
      // the implementation loads in the action: start-up stays fast (docs/architecture.md)
      const { formatExplain, loadSubmitConfig } = await import('../../config/index.js');
      const { stringify } = await import('yaml');
      const cfg = await loadSubmitConfig(file, { allowUnknownKeys: opts.allowUnknownKeys });
      printConfigWarnings(cfg.warnings);
      if (opts.json) {
        // passwords are never printed: a butlerConfig URL's password shows as ***
        const json = JSON.stringify(
          opts.explain ? { config: cfg.raw, sources: cfg.sources } : cfg.raw,
          null,
          2,
        );
        process.stdout.write(`${maskPasswords(json)}\n`);
        return;
      }
      if (opts.explain) {
        process.stdout.write(
          maskPasswords(
            `# ${cfg.files.length} file(s): ${cfg.files.join(', ')}\n${formatExplain(cfg.sources)}\n`,
          ),
        );
        return;
      }
      process.stdout.write(maskPasswords(stringify(cfg.raw, { lineWidth: 0 })));
    });
}
