/**
 * Where an attempt's stdout+stderr go: `<submitDir>/logs/<label>/<id>.<attempt>.log`, with label
 * and id encoded so that two jobs never share a file (`a/b` and `a_b` did) and nothing leaves the
 * logs folder. The path is journaled (`log_path`), and status, report and the dashboard read it
 * from there: nothing decodes names.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';

/** Longest encoded name kept whole; `<name>.<attempt>.log` stays within 255 bytes. */
const MAX_NAME = 200;

/**
 * An injective encoding of `s` as one readable path component: letters, digits and `_ + - ~ .`
 * stay, every other byte becomes `%HH` (so `%` itself too), a leading dot too (no `.`, `..` or
 * hidden names). A name longer than 200 bytes keeps its first 150 and adds `%%` and a hash of the
 * whole: `%%` never occurs in a name kept whole.
 */
export function logName(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    const keep = /[A-Za-z0-9_+\-~.]/.test(c) && !(c === '.' && out === '');
    out += keep ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (out === '') return '%';
  if (out.length <= MAX_NAME) return out;
  return `${out.slice(0, 150)}%%${createHash('sha256').update(s).digest('hex').slice(0, 32)}`;
}

/**
 * The log file of attempt `attempt` of job `id`.
 *
 * @example
 * ```ts
 * jobLogPath('/sub', 'isr', 'isr.2340.12', 1); // '/sub/logs/isr/isr.2340.12.1.log'
 * jobLogPath('/sub', 'l', 'a/b', 2); // '/sub/logs/l/a%2Fb.2.log'
 * ```
 */
export function jobLogPath(submitDir: string, label: string, id: string, attempt: number): string {
  return join(submitDir, 'logs', logName(label), `${logName(id)}.${attempt}.log`);
}
