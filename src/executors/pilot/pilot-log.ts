/**
 * The manager's structured log (pino, one JSON object per line) in `<submitDir>/pilot/pilot.log`:
 * workers joining, refused, lost; launches; dispatch errors. Warnings also go to stderr as one
 * human line, because a refused worker or a lost node is something the person at the terminal
 * should see.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';

export interface PilotLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export function pilotDir(submitDir: string): string {
  return join(submitDir, 'pilot');
}

export function createPilotLog(submitDir: string, opts: { stderr?: boolean } = {}): PilotLog {
  const dir = pilotDir(submitDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // sync writes: the log must be complete even when the manager is killed by Slurm at wall time
  const logger = pino(
    { base: { pid: process.pid } },
    pino.destination({ dest: join(dir, 'pilot.log'), sync: true }),
  );
  const toStderr = opts.stderr ?? true;
  return {
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => {
      logger.warn(fields ?? {}, msg);
      if (toStderr) {
        const extra = fields
          ? ` (${Object.entries(fields)
              .map(([k, v]) => `${k}=${String(v)}`)
              .join(', ')})`
          : '';
        process.stderr.write(`quanta pilot: ${msg}${extra}\n`);
      }
    },
  };
}
