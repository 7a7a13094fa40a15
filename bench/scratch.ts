/**
 * Scratch directories for a bench: made under the system's temporary directory and removed when
 * the bench's process exits, so that repeated runs do not fill the disk (the engine bench's warm
 * runs write 170 MB each). QUANTA_BENCH_KEEP=1 keeps them, for looking at a run afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];

process.on('exit', () => {
  if (process.env.QUANTA_BENCH_KEEP === '1') return;
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh directory `quanta-bench-<name>-XXXXXX`, removed at exit. */
export function scratchDir(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `quanta-bench-${name}-`));
  made.push(d);
  return d;
}
