/**
 * `quanta status --watch`: redraws the status table on a TTY (clear + redraw), prints a plain line
 * when the counts change otherwise, and returns once no live manager drives the run.
 */
import { existsSync } from 'node:fs';
import { openJournalReadOnly } from '../engine/journal-read.js';
import { journalPath } from '../engine/journal-schema.js';
import {
  formatDuration,
  formatStatus,
  runEta,
  runStatus,
  type RunEta,
  type RunStatusReport,
} from '../engine/report.js';
import { pendingBatchJob } from '../executors/providers/slurm/successor.js';
import { managerLive } from './api.js';

export interface WatchOptions {
  submitDir: string;
  intervalSec: number;
  tty: boolean;
  stream?: NodeJS.WritableStream;
  signal?: AbortSignal;
}

function etaText(e: RunEta, live: boolean): string {
  const parts = [`${e.remaining} left`];
  if (e.perMinute > 0) parts.push(`${e.perMinute.toFixed(e.perMinute >= 10 ? 0 : 1)} jobs/min`);
  if (live && e.etaSec !== null) parts.push(`ETA ${formatDuration(e.etaSec)}`);
  return parts.join(', ');
}

function plainLine(s: RunStatusReport): string {
  const t = s.totals;
  const done = t.succeeded + t.failed + t.blocked + t.cancelled;
  return (
    `${done}/${t.total} (${(s.progress * 100).toFixed(1)}%) running ${t.running}, ready ${t.ready}, ` +
    `succeeded ${t.succeeded}, failed ${t.failed}, blocked ${t.blocked}` +
    (t.cancelled ? `, cancelled ${t.cancelled}` : '')
  );
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((res) => {
    const timer = setTimeout(res, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      res();
    });
  });

/**
 * Watch until the run has no live manager (or `signal` aborts); returns the last status. A run
 * prepared but not started yet (a batch job waiting in the queue) is waited for.
 */
export async function watchStatus(o: WatchOptions): Promise<RunStatusReport> {
  const out = o.stream ?? process.stdout;
  let printed = '';
  let waited = false;
  let announced = '';
  for (;;) {
    if (!existsSync(journalPath(o.submitDir))) {
      if (o.signal?.aborted) return runStatusOrEmpty(o.submitDir);
      if (o.tty || !waited)
        out.write(
          `${o.tty ? '\x1b[H\x1b[2J' : ''}${o.submitDir}: waiting for the run to start (no journal yet)\n`,
        );
      waited = true;
      await sleep(o.intervalSec * 1000, o.signal);
      continue;
    }
    const s = runStatus(o.submitDir);
    const j = openJournalReadOnly(o.submitDir);
    let live: boolean;
    let eta: RunEta;
    try {
      live = managerLive(j);
      eta = runEta(j);
    } finally {
      j.close();
    }
    // between two batch jobs of a Slurm run (wall-time successor queued) nobody drives the run,
    // yet it is not over: keep watching while Slurm holds the next job
    const queued =
      !live && eta.remaining > 0 && !o.signal?.aborted ? await pendingBatchJob(o.submitDir) : undefined;
    const stop = (!live && !queued) || !!o.signal?.aborted;
    if (o.tty) {
      const footer = queued
        ? `Slurm job ${queued.jobId} (${queued.state}) will continue the run; refreshing every ${o.intervalSec} s`
        : live
          ? `refreshing every ${o.intervalSec} s (${new Date().toLocaleTimeString()}); Ctrl-C stops watching, not the run`
          : 'the run has no manager now: stopped watching';
      out.write(`\x1b[H\x1b[2J${formatStatus(s)}${etaText(eta, live)}\n${footer}\n`);
    } else {
      const l = plainLine(s);
      if (l !== printed) {
        printed = l;
        out.write(`[${new Date().toISOString()}] ${l}; ${etaText(eta, live)}\n`);
      }
      if (queued && queued.jobId !== announced) {
        announced = queued.jobId;
        out.write(`Slurm job ${queued.jobId} (${queued.state}) will continue the run\n`);
      }
      if (stop) out.write(formatStatus(s));
    }
    if (stop) return s;
    await sleep(o.intervalSec * 1000, o.signal);
  }
}

function runStatusOrEmpty(submitDir: string): RunStatusReport {
  return existsSync(journalPath(submitDir))
    ? runStatus(submitDir)
    : {
        submitDir,
        labels: [],
        totals: {
          pending: 0,
          ready: 0,
          running: 0,
          succeeded: 0,
          failed: 0,
          blocked: 0,
          cancelled: 0,
          total: 0,
        },
        progress: 0,
      };
}
