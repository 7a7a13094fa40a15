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
import type { RunStatus } from '../../engine/run-types.js';
import { loadWorkflow, type Workflow } from '../../engine/workflow.js';
import { UsageError } from '../../errors.js';
import { watchStatus, writeResourcesFile } from '../../monitor/index.js';
import { prepareRun } from '../../qgraph/prepare.js';
import { executorName, preparedSite, startPreparedRun } from '../../run/index.js';
import type { BatchResult, ExecutorChoice, RunResult } from '../../run/index.js';
import { printJson } from '../output.js';
import { parsePort, startRunDashboard } from './dashboard.js';

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
  /** `--dashboard [port]`: true without a port (a free one) */
  dashboard?: string | boolean;
  dashboardHost?: string;
}

function positive(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError('BAD_OPTION', `${flag} must be a positive number, got '${v}'`, { key: flag });
  return n;
}

/**
 * Drive a run to its end through the run-start path (src/run/start.ts); sets the exit code. Serves
 * the dashboard meanwhile with `--dashboard`. With the pilot the run goes over the nodes of this
 * Slurm allocation, stops before its wall time and leaves the rest to a successor job; outside an
 * allocation (`submit`, `restore` of a prepared run) it is handed to a batch job instead.
 */
async function drive(
  submitDir: string,
  workflow: Workflow | undefined,
  flags: RunFlags,
  opts: { batchOutsideAllocation?: boolean; announce?: boolean } = {},
): Promise<RunResult | undefined> {
  const port = parsePort(flags.dashboard, '--dashboard');
  const dashboard =
    port === undefined
      ? undefined
      : await startRunDashboard({ submitDir, port, host: flags.dashboardHost ?? '127.0.0.1' });
  try {
    const site = await preparedSite(submitDir);
    const name = executorName(flags.executor, site?.provider);
    const cores = positive(flags.cores, '--cores');
    const memoryMB = positive(flags.memory, '--memory');
    const executor: ExecutorChoice = name === 'local' ? { name, cores, memoryMB } : { name, site };
    const display = flags.json ? undefined : createProgressDisplay({ tty: !!process.stderr.isTTY });
    const started = await startPreparedRun({
      submitDir,
      workflow,
      executor,
      batchOutsideAllocation: opts.batchOutsideAllocation,
      onRunHere:
        opts.announce && !flags.json ? () => process.stderr.write(`submit dir: ${submitDir}\n`) : undefined,
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
    if (started.kind === 'submitted') {
      reportBatch(started.batch, flags);
      return undefined;
    }
    const onSignal = () => started.handle.signal();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const summary = await started.done;
      display?.stop();
      reportRun(summary, submitDir, flags);
      process.exitCode = EXIT[summary.status];
      // the run goes on in the successor job: this batch job did its part
      if (summary.status === 'deadline' && summary.successor?.submitted) process.exitCode = 0;
      return summary;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  } finally {
    await dashboard?.close();
  }
}

function reportRun(summary: RunResult, submitDir: string, flags: RunFlags): void {
  if (flags.json) {
    printJson(summary);
    return;
  }
  const t = summary.totals;
  process.stderr.write(
    `run ${summary.status}: ${t.succeeded}/${t.total} succeeded, ${t.failed} failed, ${t.blocked} blocked, ${t.cancelled} cancelled` +
      ` in ${(summary.elapsedMs / 1000).toFixed(1)} s\nsubmit dir: ${submitDir}\n`,
  );
  if (summary.status !== 'succeeded') process.stderr.write(`see: quanta report ${submitDir}\n`);
}

/** Outside an allocation the pilot cannot run here: the run went to a batch job. */
function reportBatch(r: BatchResult, flags: RunFlags): void {
  if (flags.json) printJson(r);
  else
    process.stderr.write(
      `not inside a Slurm allocation: submitted Slurm job ${r.jobId} (${r.script})\n` +
        `submit dir: ${r.submitDir}\nfollow it with: quanta status ${r.submitDir} --watch\n`,
    );
}

function runFlags(cmd: Command): Command {
  return cmd
    .option(
      '--executor <name>',
      'local | pilot (default: pilot when the config says provider: Slurm, else local)',
    )
    .option('--cores <n>', 'local executor: cores to use (default: all)')
    .option('--memory <MB>', 'local executor: memory budget in MB (default: total less a reserve)')
    .option('--dashboard [port]', 'serve the live dashboard during the run (default port: a free one)')
    .option(
      '--dashboard-host <host>',
      'address of --dashboard (default 127.0.0.1; others need the run token)',
    )
    .option('--json', 'print the run summary as JSON on stdout');
}

function needSubmitDir(dir: string, opts: { prepared?: boolean } = {}): string {
  const d = resolve(dir);
  // a run prepared by `quanta qgraph` / `quanta sbatch` has its workflow but no journal yet
  if (existsSync(journalPath(d)) || (opts.prepared && existsSync(join(d, 'workflow.json')))) return d;
  throw new UsageError(
    'NO_JOURNAL',
    opts.prepared
      ? `${dir} is not a submit directory (no journal.sqlite3 and no workflow.json in it)`
      : `${dir} is not a submit directory (no journal.sqlite3 in it)`,
    { file: dir },
  );
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
    // the QG and the submit dir first; from a login node the pilot then runs it in a batch job
    const prepared = await prepareRun(resolve(bps), {
      onLog: (line) => process.stderr.write(`qgraph: ${line}\n`),
    });
    const workflow = loadWorkflow(prepared.workflowPath);
    await drive(prepared.submitDir, workflow, flags, { batchOutsideAllocation: true, announce: true });
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
      const submitDir = needSubmitDir(dir, { prepared: true });
      await drive(submitDir, undefined, flags, { batchOutsideAllocation: true });
    });
  }

  program
    .command('status <submitDir>')
    .description('per-label job counts of a run (works while it runs)')
    .option('--json', 'print JSON on stdout')
    .option('--watch', 'refresh until the run has no manager (clear + redraw on a terminal, lines otherwise)')
    .option('--interval <seconds>', 'refresh interval of --watch', '5')
    .action(async (dir: string, flags: { json?: boolean; watch?: boolean; interval: string }) => {
      if (flags.watch) {
        if (flags.json)
          throw new UsageError(
            'BAD_OPTION',
            '--watch and --json do not combine: poll `quanta status --json`, or the dashboard API /api/status',
            { key: '--watch' },
          );
        const intervalSec = positive(flags.interval, '--interval') as number;
        const abort = new AbortController();
        const stop = () => abort.abort();
        process.once('SIGINT', stop);
        try {
          await watchStatus({
            submitDir: needSubmitDir(dir, { prepared: true }),
            intervalSec,
            tty: !!process.stdout.isTTY,
            signal: abort.signal,
          });
        } finally {
          process.off('SIGINT', stop);
        }
        return;
      }
      const s = runStatus(needSubmitDir(dir));
      if (flags.json) printJson(s);
      else process.stdout.write(formatStatus(s));
    });

  program
    .command('report <submitDir>')
    .description('failures with log tails, attempts, peak memory per label and suggested requestMemory')
    .option('--json', 'print JSON on stdout')
    .option('--resources-out <file>', 'write pipetask.<label>.requestMemory from the measured peaks (YAML)')
    .option('--safety-factor <f>', 'multiplier of the measured peak for --resources-out', '1.2')
    .action((dir: string, flags: { json?: boolean; resourcesOut?: string; safetyFactor: string }) => {
      const submitDir = needSubmitDir(dir);
      const r = runReport(submitDir);
      if (flags.resourcesOut) {
        const out = writeResourcesFile(
          resolve(flags.resourcesOut),
          submitDir,
          r.resources,
          positive(flags.safetyFactor, '--safety-factor'),
        );
        process.stderr.write(
          `wrote ${flags.resourcesOut}: requestMemory for ${out.labels.length} label(s)` +
            `${out.skipped.length ? `; no measured peak for ${out.skipped.join(', ')}` : ''}\n`,
        );
      }
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
