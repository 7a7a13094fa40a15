/**
 * Write a small JSON file atomically: a temp file beside it, then rename, so a reader sees the
 * old file or the whole new one, never half of one (a crash leaves at most a `.tmp-` file).
 * Synchronous on purpose: these files are a few hundred bytes, and two thread-pool round trips
 * per file cost more than the write itself (a warm process runs thousands of quanta a second).
 */
import { renameSync, writeFileSync } from 'node:fs';

let seq = 0;

export function writeJsonAtomic(path: string, value: unknown, mode?: number): void {
  // pid and a counter: two writers of one path (a retried quantum, a restore) never share a temp
  const tmp = `${path}.tmp-${process.pid}-${++seq}`;
  writeFileSync(tmp, `${JSON.stringify(value)}\n`, mode === undefined ? undefined : { mode });
  renameSync(tmp, path);
}
