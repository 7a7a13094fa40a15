/**
 * `quanta worker` (the pilot worker, started by the manager with srun on every node) and
 * `quanta sbatch` (write, and with --submit submit, the batch script of a run).
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { printJson } from '../output.js';
import { ALLOW_UNKNOWN_KEYS_FLAG, ALLOW_UNKNOWN_KEYS_HELP, printConfigWarnings } from './config.js';
import { quantaCommand } from '../../util/cli-hint.js';

function positiveInt(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v) || Number(v) <= 0)
      throw new UsageError('BAD_OPTION', `${name} needs a positive integer, got '${v}'`);
    return Number(v);
  };
}

export function registerSlurmCommands(program: Command): void {
  program
    .command('worker')
    .description(
      'Run a pilot worker: connect to a run manager, run the jobs it sends (started by the pilot with srun)',
    )
    .requiredOption('--manager <url>', 'the manager, tcp://HOST:PORT')
    .requiredOption('--token-file <file>', "the run's secret, <submitDir>/token")
    .option(
      '--memory <MB>',
      'memory this worker offers (default: the node less a reserve)',
      positiveInt('--memory'),
    )
    .option(
      '--cores <N>',
      'cores this worker offers (default: SLURM_CPUS_ON_NODE or every core)',
      positiveInt('--cores'),
    )
    .option('--node <name>', 'node name to report (default: SLURMD_NODENAME or the host name)')
    .action(
      async (o: { manager: string; tokenFile: string; memory?: number; cores?: number; node?: string }) => {
        // the implementation loads in the action: start-up stays fast (docs/architecture.md)
        const { runWorker } = await import('../../executors/pilot/index.js');
        process.exitCode = await runWorker({
          managerUrl: o.manager,
          tokenFile: o.tokenFile,
          memoryMB: o.memory,
          cores: o.cores,
          node: o.node,
          handleSignals: true,
        });
      },
    );

  program
    .command('sbatch')
    .description('Write the Slurm batch script of a run into its submit dir (and with --submit, submit it)')
    .argument('<config>', 'the bps submit YAML (builds the QG), or the submit dir of a prepared run')
    .option('--submit-dir <dir>', 'an already prepared run (from quanta qgraph) to write the script for')
    .option('--submit', 'submit the script with sbatch')
    .option('--no-exclusive', 'share nodes instead of #SBATCH --exclusive')
    .option('--json', 'print one JSON document')
    .option(ALLOW_UNKNOWN_KEYS_FLAG, ALLOW_UNKNOWN_KEYS_HELP)
    .action(
      async (
        config: string,
        o: {
          submitDir?: string;
          submit?: boolean;
          exclusive: boolean;
          json?: boolean;
          allowUnknownKeys?: boolean;
        },
      ) => {
        const { prepareSbatch } = await import('../../run/sbatch.js');
        const r = await prepareSbatch({
          configPath: config,
          submitDir: o.submitDir,
          submit: o.submit,
          exclusive: o.exclusive,
          allowUnknownKeys: o.allowUnknownKeys,
          onWarnings: printConfigWarnings,
        });
        if (o.json) printJson(r);
        else {
          process.stdout.write(`wrote ${r.script}\n`);
          if (r.jobId)
            process.stdout.write(
              `submitted Slurm job ${r.jobId}; follow it with: ${quantaCommand('status', r.submitDir)}\n`,
            );
          else process.stdout.write(`submit it with: sbatch ${r.script}\n`);
        }
      },
    );
}
