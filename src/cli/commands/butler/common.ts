/** Helpers shared by the `quanta butler ...` command modules. */
import type { Butler } from '../../../butler/index.js';
import { UsageError } from '../../../errors.js';
import { printJson } from '../../output.js';

export interface JsonOpt {
  json?: boolean;
}

export async function withButler<T>(repo: string, fn: (b: Butler) => Promise<T>): Promise<T> {
  // the butler (SQLite, PostgreSQL, Arrow) loads when a command opens one, not at start-up
  const { openButler } = await import('../../../butler/index.js');
  const b = await openButler(repo);
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}

/** `--collections a,b --collections c` -> [a, b, c] */
export function list(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** A repeatable option kept as given (`--bind a=1 --bind b=2` -> ['a=1', 'b=2']). */
export function repeat(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Positional name arguments that may be comma-separated (`visit,detector` or `visit detector`). */
export function names(args: readonly string[]): string[] {
  return args.flatMap((a) => a.split(',')).filter(Boolean);
}

export function say(opts: JsonOpt, value: unknown, human: string): void {
  if (opts.json) printJson(value);
  else process.stdout.write(human.endsWith('\n') ? human : `${human}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`quanta: warning: ${message}\n`);
}

/** daf_butler's `--limit`: 0 = all, N > 0 = at most N, N < 0 = at most |N| with a warning if cut. */
export function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new UsageError('BAD_LIMIT', `--limit ${value} is not an integer (0 means no limit).`);
  return n;
}

export const DEFAULT_LIMIT = -20000;

export function applyLimit<T>(rows: T[], limit: number, what: string): T[] {
  if (limit === 0 || rows.length <= Math.abs(limit)) return rows;
  if (limit < 0)
    warn(
      `more ${what} match than the limit of ${-limit}; showing the first ${-limit} (--limit 0 shows all).`,
    );
  return rows.slice(0, Math.abs(limit));
}

export interface DatasetView {
  id: string;
  datasetType: string;
  run: string;
  dataId: Record<string, string | number>;
  path: string | null;
}

export function datasetView(r: {
  id: string;
  datasetType: string;
  run: string;
  dataId: Record<string, string | number>;
  path?: string;
}): DatasetView {
  return { id: r.id, datasetType: r.datasetType, run: r.run, dataId: r.dataId, path: r.path ?? null };
}
