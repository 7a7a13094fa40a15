import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { prepareRun, type PreparedRun } from '../../qgraph/prepare.js';
import type { BuildProgress } from '../../qgraph/types.js';
import { formatDataId } from '../../qgraph/data-ids.js';
import { printJson } from '../output.js';

/** Progress on stderr: a bar with ETA on a TTY, a plain line per task otherwise. */
function progressReporter(json: boolean): { onProgress: (p: BuildProgress) => void; stop: () => void } {
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

export function formatPrepared(r: PreparedRun): string {
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
    `submit dir: ${r.submitDir}`,
    `built in ${r.buildSeconds.toFixed(2)} s`,
  );
  return lines.join('\n');
}

export function registerQgraphCommands(program: Command): void {
  program
    .command('qgraph')
    .description('Build the quantum graph and the submit directory of a bps YAML; run nothing')
    .argument('<bps-yaml>', 'the submit YAML')
    .option('--skip-existing', 'skip quanta whose outputs exist in the output run')
    .option('--json', 'print one JSON document')
    .action(async (file: string, opts: { json?: boolean; skipExisting?: boolean }) => {
      const progress = progressReporter(Boolean(opts.json));
      let r: PreparedRun;
      try {
        r = await prepareRun(file, {
          skipExisting: opts.skipExisting,
          onProgress: progress.onProgress,
          onLog: (line) => process.stderr.write(`qgraph: ${line}\n`),
        });
      } finally {
        progress.stop();
      }
      if (opts.json) {
        printJson({
          submitDir: r.submitDir,
          outputRun: r.outputRun,
          qgPath: r.qgPath,
          workflowPath: r.workflowPath,
          counts: r.counts,
          skipped: r.skipped,
          dropped: r.dropped,
          buildSeconds: r.buildSeconds,
        });
      } else {
        process.stdout.write(`${formatPrepared(r)}\n`);
      }
    });
}
