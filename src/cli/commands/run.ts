/**
 * Run commands: run-workflow, submit, restore (alias run), status, report, cancel.
 * Exit codes: 0 all succeeded, 1 some failed/blocked/cancelled (or interrupted), 2 user error,
 * 3 deadline reached with work left.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createUniqueDir } from '../../config/unique-dir.js';
import { requestCancel } from '../../engine/cancel.js';
import { journalPath } from '../../engine/journal-schema.js';
import { createProgressDisplay } from '../../engine/progress.js';
import { formatReport, formatStatus, runReport, runStatus } from '../../engine/report.js';
import { startRun, type RunStatus, type RunSummary } from '../../engine/run.js';
import { loadWorkflow, type Workflow } from '../../engine/workflow.js';
import { UsageError } from '../../errors.js';
import { prepareRun } from '../../qgraph/prepare.js';
import { createExecutor } from '../../executors/create-executor.js';
import { printJson } from '../output.js';

const EXIT: Record<RunStatus, number> = {
  succeeded: 0,
  failed: 1,
  cancelled: 1,
  interrupted: 1,
  deadline: 3,
};

interface RunFlags {
  json?: boolean;
  executor?: string;
  cores?: string;
  memory?: string;
  force?: boolean;
  retryFailed?: boolean;
  labels?: string;
}

function positive(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError('BAD_OPTION', `${flag} must be a positive number, got '${v}'`, { key: flag });
  return n;
}

/** Drive a run to its end with progress and signal handling; sets the exit code. */
async function drive(
  submitDir: string,
  workflow: Workflow | undefined,
  flags: RunFlags,
): Promise<RunSummary> {
  const cores = positive(flags.cores, '--cores');
  const memoryMB = positive(flags.memory, '--memory');
  const display = flags.json ? undefined : createProgressDisplay({ tty: !!process.stderr.isTTY });
  const handle = await startRun({
    submitDir,
    workflow,
    executor: ({ runId }) =>
      createExecutor(flags.executor ?? 'local', {
        runId,
        submitDir,
        local: { ...(cores ? { cores } : {}), ...(memoryMB ? { memoryMB } : {}) },
      }),
    retryFailed: flags.retryFailed,
    labels: flags.labels
      ? flags.labels
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : undefined,
    force: flags.force,
    onProgress: display ? (p) => display.update(p) : undefined,
  });
  const onSignal = () => handle.signal();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const summary = await handle.done;
    display?.stop();
    if (flags.json) printJson(summary);
    else {
      const t = summary.totals;
      process.stderr.write(
        `run ${summary.status}: ${t.succeeded}/${t.total} succeeded, ${t.failed} failed, ${t.blocked} blocked, ${t.cancelled} cancelled` +
          ` in ${(summary.elapsedMs / 1000).toFixed(1)} s\nsubmit dir: ${submitDir}\n`,
      );
      if (summary.status !== 'succeeded') process.stderr.write(`see: quanta report ${submitDir}\n`);
    }
    process.exitCode = EXIT[summary.status];
    return summary;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function runFlags(cmd: Command): Command {
  return cmd
    .option('--executor <name>', 'local | pilot', 'local')
    .option('--cores <n>', 'local executor: cores to use (default: all)')
    .option('--memory <MB>', 'local executor: memory budget in MB (default: total less a reserve)')
    .option('--json', 'print the run summary as JSON on stdout');
}

function needSubmitDir(dir: string): string {
  const d = resolve(dir);
  if (!existsSync(journalPath(d))) {
    throw new UsageError('NO_JOURNAL', `${dir} is not a submit directory (no journal.sqlite3 in it)`, {
      file: dir,
    });
  }
  return d;
}

/** Build the QG and the submit dir (the pipeline helper's prepareRun), then hand back its workflow. */
async function prepareFromBps(configPath: string): Promise<{ submitDir: string; workflow: Workflow }> {
  const prepared = await prepareRun(configPath);
  return { submitDir: prepared.submitDir, workflow: loadWorkflow(prepared.workflowPath) };
}

export function registerRunCommands(program: Command): void {
  runFlags(
    program
      .command('run-workflow <workflow>')
      .description('run a plain workflow JSON (a DAG of commands or task quanta) in a new submit dir')
      .option('--submit-dir <dir>', 'submit directory (default: submit/<name>-<timestamp>)'),
  ).action(async (file: string, flags: RunFlags & { submitDir?: string }) => {
    const wf = loadWorkflow(file);
    let dir: string;
    if (flags.submitDir) {
      dir = resolve(flags.submitDir);
      if (existsSync(join(dir, 'workflow.json'))) {
        throw new UsageError(
          'RUN_EXISTS',
          `${flags.submitDir} already holds a run; continue it with: quanta restore ${flags.submitDir}`,
          {
            file: flags.submitDir,
          },
        );
      }
    } else {
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
      dir = createUniqueDir(resolve('submit', `${wf.name.replace(/[^A-Za-z0-9._-]/g, '_')}-${stamp}`));
    }
    if (!flags.json) process.stderr.write(`submit dir: ${dir}\n`);
    await drive(dir, wf, flags);
  });

  runFlags(
    program.command('submit <bps>').description('build the quantum graph from a bps submit YAML and run it'),
  ).action(async (bps: string, flags: RunFlags) => {
    const { submitDir, workflow } = await prepareFromBps(resolve(bps));
    if (!flags.json) process.stderr.write(`submit dir: ${submitDir}\n`);
    await drive(submitDir, workflow, flags);
  });

  for (const name of ['restore', 'run']) {
    runFlags(
      program
        .command(`${name} <submitDir>`)
        .description(name === 'run' ? 'alias of restore' : 'continue a run from its journal')
        .option('--retry-failed', 're-queue failed and blocked jobs')
        .option('--labels <labels>', 'run only the jobs of these task labels (comma-separated)')
        .option('--force', 'take the run over even if another manager seems alive'),
    ).action(async (dir: string, flags: RunFlags) => {
      await drive(needSubmitDir(dir), undefined, flags);
    });
  }

  program
    .command('status <submitDir>')
    .description('per-label job counts of a run (works while it runs)')
    .option('--json', 'print JSON on stdout')
    .action((dir: string, flags: { json?: boolean }) => {
      const s = runStatus(needSubmitDir(dir));
      if (flags.json) printJson(s);
      else process.stdout.write(formatStatus(s));
    });

  program
    .command('report <submitDir>')
    .description('failures with log tails, attempts, peak memory per label and suggested requestMemory')
    .option('--json', 'print JSON on stdout')
    .action((dir: string, flags: { json?: boolean }) => {
      const r = runReport(needSubmitDir(dir));
      if (flags.json) printJson(r);
      else process.stdout.write(formatReport(r));
    });

  program
    .command('cancel <submitDir>')
    .description('cancel a run: stop its manager, mark waiting jobs cancelled')
    .option('--json', 'print JSON on stdout')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const r = await requestCancel(needSubmitDir(dir));
      if (flags.json) printJson(r);
      else if (r.via === 'manager') {
        process.stderr.write(
          `asked manager pid ${r.holder?.pid} on ${r.holder?.host} to cancel${r.timedOut ? ' (it has not stopped yet)' : '; it stopped'}; ${r.cancelled} jobs cancelled\n`,
        );
      } else process.stderr.write(`no manager was running; ${r.cancelled} jobs marked cancelled\n`);
    });
}
