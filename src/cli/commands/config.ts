import type { Command } from 'commander';
import { stringify } from 'yaml';
import { formatExplain, loadSubmitConfig } from '../../config/index.js';
import { printJson } from '../output.js';

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
    .action(async (file: string, opts: { json?: boolean; explain?: boolean }) => {
      const cfg = await loadSubmitConfig(file);
      for (const w of cfg.warnings) process.stderr.write(`quanta: warning: ${w}\n`);
      if (opts.json) {
        printJson(opts.explain ? { config: cfg.raw, sources: cfg.sources } : cfg.raw);
        return;
      }
      if (opts.explain) {
        process.stdout.write(
          `# ${cfg.files.length} file(s): ${cfg.files.join(', ')}\n${formatExplain(cfg.sources)}\n`,
        );
        return;
      }
      process.stdout.write(stringify(cfg.raw, { lineWidth: 0 }));
    });
}
