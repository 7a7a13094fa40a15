import { Command, CommanderError } from 'commander';
import { isQuantaError } from '../errors.js';
import { registerButlerCommands } from './commands/butler.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDashboardCommands } from './commands/dashboard.js';
import { registerDemoCommands } from './commands/demo.js';
import { registerPipelineCommands } from './commands/pipeline.js';
import { registerQgraphCommands } from './commands/qgraph.js';
import { registerRunCommands } from './commands/run.js';
import { registerSlurmCommands } from './commands/slurm.js';
import { printError } from './output.js';

export function buildProgram(): Command {
  const program = new Command('quanta')
    .description('Run LSST-style pipelines over a data repository, locally or across one Slurm allocation.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerConfigCommands(program);
  registerPipelineCommands(program);
  registerButlerCommands(program);
  registerQgraphCommands(program);
  registerRunCommands(program);
  registerSlurmCommands(program);
  registerDashboardCommands(program);
  registerDemoCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed the message (or help/version); keep its exit code
      process.exitCode = e.exitCode;
      return;
    }
    if (isQuantaError(e)) {
      printError(e);
      process.exitCode = e.exitCode; // by the code's kind: docs/errors.md
      return;
    }
    throw e;
  }
}
