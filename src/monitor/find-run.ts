/** Find a run's submit directory that appears later (the demo's, made by `quanta submit`). */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { journalPath } from '../engine/journal-schema.js';

/** The most recently created submit directory (one holding a journal) under `base`, or undefined. */
export function newestRunUnder(base: string, maxDepth = 6): string | undefined {
  let best: { dir: string; t: number } | undefined;
  const walk = (dir: string, depth: number): void => {
    if (existsSync(journalPath(dir))) {
      const t = statSync(dir).mtimeMs;
      if (!best || t > best.t) best = { dir, t };
      return;
    }
    if (depth >= maxDepth) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory()) walk(join(dir, e.name), depth + 1);
  };
  if (existsSync(base)) walk(base, 0);
  return best?.dir;
}

/** A locator that searches `base` until it finds a run, then keeps that one. */
export function runLocator(base: string): () => string | undefined {
  let found: string | undefined;
  return () => (found ??= newestRunUnder(base));
}
