/**
 * `quanta demo`: builds a ToyCam repository with synthetic data and runs the ToyCam DRP on it.
 * The demo's orchestrator (examples/toycam/demo.ts) and its tasks are TypeScript sources, so it
 * runs in a child `node --import tsx` process rather than from dist/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createUniqueDir } from '../../config/unique-dir.js';
import { UsageError } from '../../errors.js';
import { parsePort, startRunDashboard } from './dashboard.js';

// src/cli/commands and dist/cli/commands are both three levels below the package root
const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface DemoFlags {
  dir?: string;
  visits: string;
  detectors: string;
  prepareOnly?: boolean;
  /** true: a free port; a string: that port; false: --no-dashboard */
  dashboard: string | boolean;
}

function positiveInt(flag: string, v: string, max?: number): string {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || (max !== undefined && n > max))
    throw new UsageError('DEMO_ARG', `${flag} ${v}: expected an integer from 1${max ? ` to ${max}` : ''}.`, {
      key: flag,
    });
  return String(n);
}

/**
 * After the run, on a terminal, the dashboard stays up until Ctrl-C: the page of a finished run is
 * what the user came to look at. Elsewhere (tests, CI, a pipe) it closes with the demo, and says so.
 */
async function lingerOrSay(url: string): Promise<void> {
  if (!(process.stdin.isTTY && process.stderr.isTTY)) {
    process.stderr.write(
      `demo: the dashboard at ${url} closes now that the demo is done (not run on a terminal); the "dashboard:" line above serves it again\n`,
    );
    return;
  }
  process.stderr.write(`demo: the dashboard stays up at ${url}; press Ctrl-C to close it and exit\n`);
  // the run's dashboard does not hold the process open by itself (keepAlive: false): this timer does
  const hold = setInterval(() => {}, 1 << 30);
  await new Promise<void>((res) => process.once('SIGINT', () => res()));
  clearInterval(hold);
}

export function registerDemoCommands(program: Command): void {
  program
    .command('demo')
    .description(
      'Generate a synthetic ToyCam survey, ingest it into a new repository and run the ToyCam DRP on it',
    )
    .option(
      '--dir <dir>',
      'directory for the repository, raws and submit dirs (must not hold a repo yet; default: a new demo/toycam-N)',
    )
    .option('--visits <n>', 'number of visits (bands cycle g, r, i)', '6')
    .option('--detectors <n>', 'detectors per visit (1-9, ToyCam is a 3x3 mosaic)', '9')
    .option('--prepare-only', 'build the repository and stop before running the pipeline')
    .option('--dashboard [port]', 'serve the live dashboard of the run (default: on, a free port)', true)
    .option('--no-dashboard', 'do not serve the dashboard')
    .action(async (flags: DemoFlags) => {
      const script = join(packageRoot, 'examples', 'toycam', 'demo.ts');
      if (!existsSync(script))
        throw new UsageError(
          'DEMO_MISSING',
          `${script} is missing; the demo needs the examples/ folder of the quanta package.`,
          { file: script },
        );
      // resolve tsx from this package, not from the user's working directory
      const tsx = import.meta.resolve('tsx');
      const port = flags.prepareOnly ? undefined : parsePort(flags.dashboard, '--dashboard');
      if (port !== undefined && !flags.dir) {
        // the dashboard must know where the run will appear: choose the demo directory here
        mkdirSync('demo', { recursive: true });
        flags.dir = createUniqueDir(join('demo', 'toycam'));
      }
      // found once `quanta submit` (run by the demo) has created the run's journal
      const { runLocator } = await import('../../monitor/index.js');
      const dashboard =
        port === undefined || !flags.dir
          ? undefined
          : await startRunDashboard({ port, findSubmitDir: runLocator(join(resolve(flags.dir), 'submit')) });
      const argv = [
        '--import',
        tsx,
        script,
        ...(flags.dir ? ['--dir', flags.dir] : []),
        '--visits',
        positiveInt('--visits', flags.visits),
        '--detectors',
        positiveInt('--detectors', flags.detectors, 9),
        ...(flags.prepareOnly ? ['--prepare-only'] : []),
      ];
      try {
        const code = await new Promise<number>((res) => {
          const child = spawn(process.execPath, argv, { stdio: 'inherit', cwd: process.cwd() });
          child.on('exit', (c, sig) => res(c ?? (sig ? 1 : 0)));
        });
        process.exitCode = code;
        if (dashboard) await lingerOrSay(dashboard.url);
      } finally {
        await dashboard?.close();
      }
    });
}
