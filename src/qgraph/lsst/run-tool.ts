/**
 * Run one LSST command during preparation (`pipetask qgraph`, the node-list helper): an argv
 * array (never a shell), stdout and stderr appended to a log file, each line also handed to
 * `onLine` for progress. Failure is a GraphError naming the command, its exit and its log.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GraphError } from '../../errors.js';
import type { ErrorCode } from '../../errors.js';

export interface ToolRun {
  argv: string[];
  log: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  onLine?: (line: string) => void;
  /** also keep stdout in memory (the helper's JSON) */
  captureStdout?: boolean;
}

export interface ToolResult {
  stdout: string;
  seconds: number;
}

/** Lines of a pipetask log worth a user's eye when it failed: the last error, else the last line. */
export function failureLine(logText: string): string {
  const lines = logText
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const errors = lines.filter((l) => /\b(ERROR|FATAL|CRITICAL)\b|Error:|Exception:/.test(l));
  const pick = errors.at(-1) ?? lines.at(-1) ?? '(no output)';
  return pick.length > 600 ? `${pick.slice(0, 600)}…` : pick;
}

/**
 * @example
 * ```ts
 * await runTool({ argv: ['/venv/bin/pipetask', 'qgraph', ...], log: 'submit/x/logs/qgraph.log' },
 *   { code: 'LSST_QGRAPH_FAILED', what: 'pipetask qgraph', hint: 'fix the pipeline or the data query' });
 * ```
 */
export function runTool(
  run: ToolRun,
  fail: { code: ErrorCode; what: string; hint: string; file?: string },
): Promise<ToolResult> {
  mkdirSync(dirname(run.log), { recursive: true });
  const log = createWriteStream(run.log, { flags: 'a' });
  log.write(`$ ${run.argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')}\n`);
  const t0 = performance.now();
  return new Promise<ToolResult>((resolvePromise, reject) => {
    const child = spawn(run.argv[0], run.argv.slice(1), {
      env: run.env ?? process.env,
      cwd: run.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const pending = { out: '', err: '' };
    const feed = (which: 'out' | 'err', chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      if (which === 'out' && run.captureStdout) stdout += text;
      else log.write(text);
      if (!run.onLine || (which === 'out' && run.captureStdout)) return;
      const parts = (pending[which] + text).split('\n');
      pending[which] = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) run.onLine(p);
    };
    child.stdout.on('data', (c: Buffer) => feed('out', c));
    child.stderr.on('data', (c: Buffer) => feed('err', c));
    child.on('error', (e) => {
      log.end();
      reject(
        new GraphError(
          fail.code,
          `${fail.what} could not start (${run.argv[0]}: ${e.message}); ${fail.hint}`,
          {
            file: fail.file,
            cause: e,
          },
        ),
      );
    });
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - t0) / 1000;
      log.end(() => {
        if (code === 0) {
          resolvePromise({ stdout, seconds });
          return;
        }
        const how = signal ? `was killed by ${signal}` : `exited with ${code}`;
        const last = failureLine(readFileSync(run.log, 'utf8'));
        reject(
          new GraphError(
            fail.code,
            `${fail.what} ${how} after ${seconds.toFixed(1)} s: ${last} — ${fail.hint}. The command and its whole output are in ${run.log}.`,
            { file: fail.file },
          ),
        );
      });
    });
  });
}
