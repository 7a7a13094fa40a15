import { Command, CommanderError } from 'commander';
import { EXIT_CODES } from '../error-codes.js';
import { isQuantaError } from '../errors.js';
import { registerButlerCommands } from './commands/butler.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDashboardCommands } from './commands/dashboard.js';
import { registerDemoCommands } from './commands/demo.js';
import { registerPipelineCommands } from './commands/pipeline.js';
import { registerQgraphCommands } from './commands/qgraph.js';
import { registerRunCommands } from './commands/run.js';
import { registerRunsCommands } from './commands/runs.js';
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
  registerRunsCommands(program);
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
      // commander already printed the message (or help/version). A bad command line (unknown
      // option or command, missing argument) is a usage error, 2 as docs/errors.md says (commander
      // would exit 1, the code of a run whose jobs failed)
      process.exitCode = e.exitCode === 0 ? 0 : EXIT_CODES.usage;
      return;
    }
    // a full disk, a read-only file system or a failing database is the machine's, not quanta's
    // (system-errors.js loads better-sqlite3: only on this path, so that start-up stays fast)
    const err = isQuantaError(e) ? e : (await import('./system-errors.js')).systemError(e);
    if (err) {
      printError(err);
      process.exitCode = err.exitCode; // by the code's kind: docs/errors.md
      return;
    }
    throw e;
  }
}
