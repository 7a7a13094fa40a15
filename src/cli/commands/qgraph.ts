import { rmSync } from 'node:fs';
import type { Command } from 'commander';
import type { PreparedRun } from '../../qgraph/prepare.js';
import type { BuildProgress } from '../../qgraph/types.js';
import { formatDataId } from '../../qgraph/data-ids.js';
import { printJson } from '../output.js';
import { ALLOW_UNKNOWN_KEYS_FLAG, ALLOW_UNKNOWN_KEYS_HELP, printConfigWarnings } from './config.js';

/** Progress on stderr: a bar with ETA on a TTY, a plain line per task otherwise. */
async function progressReporter(
  json: boolean,
): Promise<{ onProgress: (p: BuildProgress) => void; stop: () => void }> {
  const tty = process.stderr.isTTY && !json;
  if (!tty) {
    return {
      onProgress: (p) => {
        if (p.phase === 'done')
          process.stderr.write(
            `qgraph: ${p.label}: ${p.total} candidate data IDs examined (${p.taskIndex + 1}/${p.taskCount} tasks)\n`,
          );
      },
      stop: () => {},
    };
  }
  const { SingleBar } = await import('cli-progress');
  const bar = new SingleBar({
    format: 'qgraph [{bar}] {percentage}% | ETA: {eta_formatted} | {task}',
    stream: process.stderr,
    etaBuffer: 50,
    hideCursor: true,
  });
  let started = false;
  return {
    onProgress: (p) => {
      if (!started) {
        bar.start(1000, 0, { task: p.label });
        started = true;
      }
      const frac = (p.taskIndex + (p.total ? p.done / p.total : 0)) / p.taskCount;
      bar.update(Math.round(frac * 1000), { task: `${p.label} (${p.taskIndex + 1}/${p.taskCount})` });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

export function formatPrepared(r: PreparedRun, opts: { dryRun?: boolean } = {}): string {
  const width = Math.max(4, ...Object.keys(r.counts).map((l) => l.length));
  const lines = ['task'.padEnd(width) + '  quanta  skipped'];
  let total = 0;
  for (const [label, n] of Object.entries(r.counts)) {
    total += n;
    lines.push(
      `${label.padEnd(width)}  ${String(n).padStart(6)}  ${String(r.skipped[label] ?? 0).padStart(7)}`,
    );
  }
  lines.push(`${'total'.padEnd(width)}  ${String(total).padStart(6)}`);
  for (const d of r.dropped) {
    lines.push(
      `note: ${d.label}: ${d.count} data IDs left out because ${d.datasetType} is missing, e.g. ${formatDataId(d.sample[0])}`,
    );
  }
  lines.push(
    `output run: ${r.outputRun}`,
    opts.dryRun ? 'submit dir: none (dry run)' : `submit dir: ${r.submitDir}`,
    `built in ${r.buildSeconds.toFixed(2)} s`,
  );
  if (opts.dryRun) {
    const n = r.config.warnings.length;
    lines.push(`dry run: nothing was run${n ? `; ${n} warning(s) above` : ''}`);
  }
  return lines.join('\n');
}

function preparedJson(r: PreparedRun): Record<string, unknown> {
  return {
    submitDir: r.submitDir,
    outputRun: r.outputRun,
    qgPath: r.qgPath,
    workflowPath: r.workflowPath,
    counts: r.counts,
    skipped: r.skipped,
    dropped: r.dropped,
    warnings: r.config.warnings,
    buildSeconds: r.buildSeconds,
  };
}

/**
 * `quanta submit --dry-run`: the graph was built (and its warnings printed); show the counts, keep
 * no submit dir, run nothing.
 */
export function finishDryRun(r: PreparedRun, json: boolean): void {
  rmSync(r.submitDir, { recursive: true, force: true });
  if (json) {
    const { counts, skipped, dropped, warnings, buildSeconds, outputRun } = preparedJson(r);
    printJson({ dryRun: true, outputRun, counts, skipped, dropped, warnings, buildSeconds });
  } else process.stdout.write(`${formatPrepared(r, { dryRun: true })}\n`);
}

export function registerQgraphCommands(program: Command): void {
  program
    .command('qgraph')
    .description('Build the quantum graph and the submit directory of a bps YAML; run nothing')
    .argument('<bps-yaml>', 'the submit YAML')
    .option('--skip-existing', 'skip quanta whose outputs exist in the output run')
    .option('--json', 'print one JSON document')
    .option(ALLOW_UNKNOWN_KEYS_FLAG, ALLOW_UNKNOWN_KEYS_HELP)
    .action(
      async (file: string, opts: { json?: boolean; skipExisting?: boolean; allowUnknownKeys?: boolean }) => {
        // the implementation loads in the action: start-up stays fast (docs/architecture.md)
        const { prepareRun } = await import('../../qgraph/prepare.js');
        const progress = await progressReporter(Boolean(opts.json));
        let r: PreparedRun;
        try {
          r = await prepareRun(file, {
            skipExisting: opts.skipExisting,
            allowUnknownKeys: opts.allowUnknownKeys,
            onWarnings: printConfigWarnings,
            onProgress: progress.onProgress,
            onLog: (line) => process.stderr.write(`qgraph: ${line}\n`),
          });
        } finally {
          progress.stop();
        }
        if (opts.json) {
          printJson(preparedJson(r));
        } else {
          process.stdout.write(`${formatPrepared(r)}\n`);
        }
      },
    );
}
