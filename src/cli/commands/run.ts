/**
 * Run commands: run-workflow, submit, restore (alias run), status, report, cancel.
 * Exit codes: 0 all succeeded, 1 some failed/blocked/cancelled (or interrupted, or incomplete:
 * `--labels` jobs whose inputs are not made), 2 user error, 3 deadline reached with work left.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createUniqueDir } from '../../config/unique-dir.js';
import { journalPath } from '../../engine/journal-schema.js';
import type { RunStatusReport } from '../../engine/report.js';
import type { RunStatus } from '../../engine/run-types.js';
import type { Workflow } from '../../engine/workflow.js';
import { UsageError } from '../../errors.js';
import { checkComplete } from '../../qgraph/incomplete.js';
import type { BatchResult, ExecutorChoice, RunResult } from '../../run/index.js';
import { printJson } from '../output.js';
import { ALLOW_UNKNOWN_KEYS_FLAG, ALLOW_UNKNOWN_KEYS_HELP, printConfigWarnings } from './config.js';
import { parsePort, startRunDashboard } from './dashboard.js';
import { finishDryRun } from './qgraph.js';
import { quantaCommand } from '../../util/cli-hint.js';

const EXIT: Record<RunStatus, number> = {
  succeeded: 0,
  failed: 1,
  cancelled: 1,
  interrupted: 1,
  incomplete: 1,
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
  /** restore: `--request-memory LABEL=MB` (repeatable) and `--resources FILE.yaml` */
  requestMemory?: string[];
  resources?: string;
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
  const { executorName, memoryRequests, preparedSite, runProvider, startPreparedRun } =
    await import('../../run/index.js');
  const { createProgressDisplay } = await import('../../engine/progress.js');
  const port = parsePort(flags.dashboard, '--dashboard');
  const dashboard =
    port === undefined
      ? undefined
      : await startRunDashboard({ submitDir, port, host: flags.dashboardHost ?? '127.0.0.1' });
  try {
    const site = await preparedSite(submitDir);
    // a run that went to Slurm before (it has quanta.sbatch) stays there: restore resubmits it
    const name = executorName(flags.executor, runProvider(submitDir, site?.provider));
    const cores = positive(flags.cores, '--cores');
    const memoryMB = positive(flags.memory, '--memory');
    // the local executor takes worker_options' --memory/--cores too (the flags win)
    const executor: ExecutorChoice = name === 'local' ? { name, cores, memoryMB, site } : { name, site };
    const display = flags.json ? undefined : createProgressDisplay({ tty: !!process.stderr.isTTY });
    const started = await startPreparedRun({
      submitDir,
      workflow,
      executor,
      batchOutsideAllocation: opts.batchOutsideAllocation,
      keepSuccessorQueued: true,
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
      requestMemory: memoryRequests(flags),
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
  const u = summary.unselected;
  if (u) {
    process.stderr.write(
      `${u.jobs} job(s) of --labels could not run: they need jobs of ${u.labels.join(', ')}, which are not selected ` +
        `and have not succeeded; restore with --labels ${[...new Set([...u.labels, ...(flags.labels ?? '').split(',')])].filter(Boolean).join(',')}, ` +
        `or run ${u.labels.join(', ')} first\n`,
    );
  }
  if (summary.status !== 'succeeded') process.stderr.write(`see: ${quantaCommand('report', submitDir)}\n`);
}

/** Outside an allocation the pilot cannot run here: the run went to a batch job. */
function reportBatch(r: BatchResult, flags: RunFlags): void {
  if (flags.json) printJson(r);
  else
    process.stderr.write(
      `not inside a Slurm allocation: submitted Slurm job ${r.jobId} (${r.script})\n` +
        `submit dir: ${r.submitDir}\nfollow it with: ${quantaCommand('status', r.submitDir, '--watch')}\n`,
    );
}

function runFlags(cmd: Command): Command {
  return cmd
    .option(
      '--executor <name>',
      'local | pilot (default: pilot when the config says provider: Slurm, else local)',
    )
    .option('--cores <n>', 'local executor: cores to use (default: worker_options --cores, else all)')
    .option(
      '--memory <MB>',
      'local executor: memory budget in MB (default: worker_options --memory, else total less a reserve)',
    )
    .option('--dashboard [port]', 'serve the live dashboard during the run (default port: a free one)')
    .option(
      '--dashboard-host <host>',
      'address of --dashboard (default 127.0.0.1; others need the run token)',
    )
    .option('--json', 'print the run summary as JSON on stdout');
}

interface StatusFlags {
  json?: boolean;
  watch?: boolean;
  interval: string;
  label?: string;
  state?: string;
  limit: string;
}

/** `a, b,,c` -> ['a', 'b', 'c'] */
function list(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

function count(v: string, flag: string): number {
  if (!/^\d+$/.test(v))
    throw new UsageError('BAD_OPTION', `${flag} must be a whole number (0: no limit), got '${v}'`, {
      key: flag,
    });
  return Number(v);
}

/**
 * The status, and when no live manager drives the run and work is left, the run's latest Slurm
 * batch job: a prepared run waiting in the queue, or a successor that will continue it.
 */
async function statusWithBatchJob(submitDir: string): Promise<RunStatusReport> {
  const { runStatus } = await import('../../engine/report.js');
  const s = runStatus(submitDir);
  const left = s.totals.pending + s.totals.ready + s.totals.running + s.totals.cancelled;
  if ((s.manager && !s.managerGone) || left === 0) return s;
  // only now: a finished run's status needs neither the config nor the Slurm code
  const { latestBatchJob } = await import('../../run/prepared.js');
  const batchJob = await latestBatchJob(submitDir);
  return batchJob ? { ...s, batchJob } : s;
}

function needSubmitDir(dir: string, opts: { prepared?: boolean } = {}): string {
  const d = resolve(dir);
  checkComplete(d); // a submit dir a killed qgraph left is no run (QGRAPH_INCOMPLETE)
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

/**
 * The options are defined here, eagerly, so that `--help` is complete; each action imports its
 * implementation when it runs, so that `--help`, `--version` and `status` start fast
 * (docs/architecture.md, "Start-up"; test/cli/module-graph.test.ts).
 */
export function registerRunCommands(program: Command): void {
  runFlags(
    program
      .command('run-workflow <workflow>')
      .description('run a plain workflow JSON (a DAG of commands or task quanta) in a new submit dir')
      .option('--submit-dir <dir>', 'submit directory (default: submit/<name>-<timestamp>)'),
  ).action(async (file: string, flags: RunFlags & { submitDir?: string }) => {
    const { loadWorkflow } = await import('../../engine/workflow.js');
    const wf = loadWorkflow(file);
    let dir: string;
    if (flags.submitDir) {
      dir = resolve(flags.submitDir);
      if (existsSync(join(dir, 'workflow.json'))) {
        throw new UsageError(
          'RUN_EXISTS',
          `${flags.submitDir} already holds a run; continue it with: ${quantaCommand('restore', flags.submitDir)}`,
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
    program
      .command('submit <bps>')
      .description('build the quantum graph from a bps submit YAML and run it')
      .option(
        '--dry-run',
        'build the graph, print its counts and every warning, run nothing, keep no submit dir',
      )
      .option(ALLOW_UNKNOWN_KEYS_FLAG, ALLOW_UNKNOWN_KEYS_HELP)
      .option(
        '--skip-existing',
        'skip quanta whose outputs exist in the output run (as OUTPUT_EXISTS suggests)',
      ),
  ).action(
    async (
      bps: string,
      flags: RunFlags & { dryRun?: boolean; allowUnknownKeys?: boolean; skipExisting?: boolean },
    ) => {
      const { prepareRun } = await import('../../qgraph/prepare.js');
      const { loadWorkflow } = await import('../../engine/workflow.js');
      // the QG and the submit dir first; from a login node the pilot then runs it in a batch job
      const prepared = await prepareRun(resolve(bps), {
        onLog: (line) => process.stderr.write(`qgraph: ${line}\n`),
        allowUnknownKeys: flags.allowUnknownKeys,
        onWarnings: printConfigWarnings,
        skipExisting: flags.skipExisting,
      });
      if (flags.dryRun) {
        finishDryRun(prepared, Boolean(flags.json));
        return;
      }
      const workflow = loadWorkflow(prepared.workflowPath);
      await drive(prepared.submitDir, workflow, flags, { batchOutsideAllocation: true, announce: true });
    },
  );

  for (const name of ['restore', 'run']) {
    runFlags(
      program
        .command(`${name} <submitDir>`)
        .description(name === 'run' ? 'alias of restore' : 'continue a run from its journal')
        .option('--retry-failed', 're-queue failed and blocked jobs')
        .option('--labels <labels>', 'run only the jobs of these task labels (comma-separated)')
        .option('--force', 'take the run over even if another manager seems alive')
        .option(
          '--request-memory <label=MB>',
          'new requestMemory for a label (repeatable; kept by later restores), e.g. calibrate=6000',
          (v: string, prev: string[] = []) => [...prev, v],
        )
        .option(
          '--resources <file>',
          'new requestMemory per label from a YAML of pipetask.<label>.requestMemory',
        ),
    ).action(async (dir: string, flags: RunFlags) => {
      const submitDir = needSubmitDir(dir, { prepared: true });
      await drive(submitDir, undefined, flags, { batchOutsideAllocation: true });
    });
  }

  program
    .command('status <submitDir>')
    .description(
      'per-label job counts of a run (works while it runs, and before it starts); with --label/--state, its jobs',
    )
    .option('--json', 'print JSON on stdout')
    .option('--watch', 'refresh until the run has no manager (clear + redraw on a terminal, lines otherwise)')
    .option('--interval <seconds>', 'refresh interval of --watch', '5')
    .option('--label <labels>', 'list the jobs of these task labels (comma-separated)')
    .option('--state <states>', 'list the jobs in these states (comma-separated: failed,running,...)')
    .option('--limit <n>', 'with --label/--state: at most this many jobs (0: all)', '100')
    .action(async (dir: string, flags: StatusFlags) => {
      if (flags.label !== undefined || flags.state !== undefined) {
        if (flags.watch)
          throw new UsageError('BAD_OPTION', '--watch does not combine with --label/--state', {
            key: '--watch',
          });
        const { formatJobTable, jobTable } = await import('../../engine/job-table.js');
        const t = jobTable(needSubmitDir(dir, { prepared: true }), {
          labels: list(flags.label),
          states: list(flags.state),
          limit: count(flags.limit, '--limit'),
        });
        if (flags.json) printJson(t);
        else process.stdout.write(formatJobTable(t));
        return;
      }
      if (flags.watch) {
        if (flags.json)
          throw new UsageError(
            'BAD_OPTION',
            '--watch and --json do not combine: poll `quanta status --json`, or the dashboard API /api/status',
            { key: '--watch' },
          );
        const intervalSec = positive(flags.interval, '--interval') as number;
        // monitor/watch.js, not monitor/index.js: watching needs no dashboard server
        const { watchStatus } = await import('../../monitor/watch.js');
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
      const s = await statusWithBatchJob(needSubmitDir(dir, { prepared: true }));
      const { formatStatus } = await import('../../engine/report.js');
      if (flags.json) printJson(s);
      else process.stdout.write(formatStatus(s));
    });

  program
    .command('report <submitDir>')
    .description('failures with log tails, attempts, peak memory per label and suggested requestMemory')
    .option('--json', 'print JSON on stdout')
    .option('--resources-out <file>', 'write pipetask.<label>.requestMemory from the measured peaks (YAML)')
    .option('--safety-factor <f>', 'multiplier of the measured peak for --resources-out', '1.2')
    .action(async (dir: string, flags: { json?: boolean; resourcesOut?: string; safetyFactor: string }) => {
      const { formatReport, runReport } = await import('../../engine/report.js');
      const submitDir = needSubmitDir(dir, { prepared: true });
      const r = runReport(submitDir);
      if (flags.resourcesOut) {
        const { writeResourcesFile } = await import('../../monitor/resources-file.js');
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
      const { cancelRun } = await import('../../run/index.js');
      const { engine: r, slurm } = await cancelRun(resolve(dir));
      if (flags.json) printJson({ ...r, slurm });
      else if (r?.via === 'manager') {
        process.stderr.write(
          `asked manager pid ${r.holder?.pid} on ${r.holder?.host} to cancel${r.timedOut ? ' (it has not stopped yet)' : '; it stopped'}; ${r.cancelled} jobs cancelled\n`,
        );
      } else if (r) process.stderr.write(`no manager was running; ${r.cancelled} jobs marked cancelled\n`);
      else process.stderr.write('the run had not started: nothing ran\n');
      for (const j of slurm) process.stderr.write(`cancelled Slurm job ${j.jobId} (it was ${j.state})\n`);
    });
}
