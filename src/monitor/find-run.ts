/**
 * Find runs' submit directories: the one that appears later (the demo's, made by `quanta submit`),
 * and every run under a submit root (`quanta runs`).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { journalPath } from '../engine/journal-schema.js';
import { isPreparedRun } from '../engine/prepared-journal.js';

/** The most recently created submit directory (one holding a journal) under `base`, or undefined. */
export function newestRunUnder(base: string, maxDepth = 6): string | undefined {
  if (!existsSync(base)) return undefined;
  let best: { dir: string; t: number } | undefined;
  for (const dir of runDirsUnder(base, maxDepth)) {
    if (!existsSync(journalPath(dir))) continue;
    const t = statSync(dir).mtimeMs;
    if (!best || t > best.t) best = { dir, t };
  }
  return best?.dir;
}

/** A locator that searches `base` until it finds a run, then keeps that one. */
export function runLocator(base: string): () => string | undefined {
  let found: string | undefined;
  return () => (found ??= newestRunUnder(base));
}

/**
 * Every submit directory under `root` (`root` itself included): one with a journal, or a prepared
 * one (a workflow.json, no journal yet). A run's own folders are not searched for more runs.
 */
export function runDirsUnder(root: string, maxDepth = 8): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (existsSync(journalPath(dir)) || isPreparedRun(dir)) {
      out.push(dir);
      return;
    }
    if (depth >= maxDepth) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries)
      if (e.isDirectory() && !e.name.startsWith('.')) walk(join(dir, e.name), depth + 1);
  };
  walk(root, 0);
  return out;
}
