/**
 * The marker of a submit directory that `quanta qgraph` (or `submit`) is still writing:
 * `<submitDir>/.incomplete` is written right after the directory is made and removed after its
 * last file, so a qgraph killed half-way leaves a directory that no command takes for a run
 * (status, report, restore, runs and the dashboard refuse it, saying what to do).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { GraphError } from '../errors.js';
import { pidAlive } from '../util/pid.js';

export const INCOMPLETE_MARKER = '.incomplete';

interface Marker {
  pid: number;
  host: string;
  since: string;
}

/** Mark `submitDir` as being written by this process. */
export function markIncomplete(submitDir: string): void {
  const m: Marker = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeFileSync(join(submitDir, INCOMPLETE_MARKER), `${JSON.stringify(m)}\n`, { mode: 0o600 });
}

/** The submit dir is complete: its last file is written. */
export function markComplete(submitDir: string): void {
  rmSync(join(submitDir, INCOMPLETE_MARKER), { force: true });
}

export function isIncomplete(submitDir: string): boolean {
  return existsSync(join(submitDir, INCOMPLETE_MARKER));
}

/** Why `submitDir` is not a run (one paragraph), or undefined when it is not marked incomplete. */
export function incompleteReason(submitDir: string): string | undefined {
  const file = join(submitDir, INCOMPLETE_MARKER);
  if (!existsSync(file)) return undefined;
  let m: Partial<Marker> = {};
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as Partial<Marker>;
  } catch {
    // a marker cut short by the kill says as much as an empty one
  }
  const who = m.pid ? ` (process ${m.pid} on ${m.host ?? '?'} began it at ${m.since ?? '?'})` : '';
  if (m.pid && m.host === hostname() && pidAlive(m.pid)) {
    return `${submitDir} is not a run yet: quanta qgraph is still writing it${who}; wait for it to finish.`;
  }
  return `${submitDir} is not a run: quanta qgraph did not finish writing it (killed?)${who}; remove it (\`rm -r ${submitDir}\`) or run quanta qgraph again.`;
}

/** Throw QGRAPH_INCOMPLETE when `submitDir` is a submit dir qgraph did not finish. */
export function checkComplete(submitDir: string): void {
  const reason = incompleteReason(submitDir);
  if (reason) throw new GraphError('QGRAPH_INCOMPLETE', reason, { file: submitDir });
}
