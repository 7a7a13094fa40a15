/**
 * `quanta dashboard SUBMIT_DIR`: the run's live page (read-only on its journal), and the helper
 * that `submit`, `restore`, `run-workflow` and `demo` use to serve it during a run.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { journalPath } from '../../engine/journal-schema.js';
import { UsageError } from '../../errors.js';
import type { Dashboard, DashboardOptions } from '../../monitor/index.js';

/** `--port` / `--dashboard [port]` value: an integer 0..65535 (0: a free port). */
export function parsePort(v: string | boolean | undefined, flag: string): number | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true) return 0;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535)
    throw new UsageError('BAD_OPTION', `${flag} must be a port number from 0 to 65535, got '${v}'`, {
      key: flag,
    });
  return n;
}

/**
 * Start a run's own dashboard: it never keeps the process alive and the caller closes it when
 * the run ends. Prints `dashboard: URL` on stderr.
 */
export async function startRunDashboard(
  o: DashboardOptions & { port: number },
  stream: NodeJS.WritableStream = process.stderr,
): Promise<Dashboard> {
  // the server (fastify) loads only when a dashboard is asked for: start-up stays fast
  const { startDashboard } = await import('../../monitor/index.js');
  const d = await startDashboard({ ...o, keepAlive: false });
  stream.write(`dashboard: ${d.url}\n`);
  return d;
}

export function registerDashboardCommands(program: Command): void {
  program
    .command('dashboard <submitDir>')
    .description('serve the live page of a run: progress, workers, failures, resources (read-only)')
    .option('--port <port>', 'port to listen on (default: 8422; 0 picks a free one)', '8422')
    .option(
      '--host <host>',
      'address to listen on (default 127.0.0.1; any other address needs the token in <submitDir>/token)',
      '127.0.0.1',
    )
    .option('--poll <seconds>', 'how often the page refreshes', '2')
    .action(async (dir: string, flags: { port: string; host: string; poll: string }) => {
      // the implementation loads in the action: start-up stays fast (docs/architecture.md)
      const { isPreparedRun } = await import('../../engine/prepared-journal.js');
      const { startDashboard } = await import('../../monitor/index.js');
      const submitDir = resolve(dir);
      // a prepared run (qgraph, sbatch) shows every job pending until its manager starts
      if (!existsSync(journalPath(submitDir)) && !isPreparedRun(submitDir))
        throw new UsageError(
          'NO_JOURNAL',
          `${dir} is not a submit directory (no journal.sqlite3 and no workflow.json in it)`,
          { file: dir },
        );
      const poll = Number(flags.poll);
      if (!Number.isFinite(poll) || poll < 0.2)
        throw new UsageError(
          'BAD_OPTION',
          `--poll must be a number of seconds, at least 0.2, got '${flags.poll}'`,
          {
            key: '--poll',
          },
        );
      const d = await startDashboard({
        submitDir,
        host: flags.host,
        port: parsePort(flags.port, '--port'),
        pollMs: poll * 1000,
      });
      process.stderr.write(
        `dashboard of ${submitDir}\n${d.tokenRequired ? '(the URL carries the run token: share it only with people who may see the run)\n' : ''}`,
      );
      process.stdout.write(`dashboard: ${d.url}\n`);
      await new Promise<void>((res) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void d.close().then(res);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
