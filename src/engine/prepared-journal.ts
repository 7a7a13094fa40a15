/**
 * A prepared run (made by `quanta qgraph` or `quanta sbatch`, or a hand-written workflow.json)
 * has no journal until its manager first opens it. So that status, report, `quanta runs` and the
 * dashboard read it like any other run (every job pending, no manager, no events), its journal is
 * built here in memory from `<submitDir>/workflow.json`, with the journal's own schema and the rows
 * a first start would seed, plus `meta.prepared = '1'`. Nothing is written to the submit dir.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { journalPath, SCHEMA } from './journal-schema.js';
import { WORKFLOW_COPY } from './run-setup.js';
import { loadWorkflow } from './workflow.js';

/** The meta key that marks a journal built from a prepared run's workflow. */
export const PREPARED_META = 'prepared';

/** A submit dir holding a prepared run: a workflow.json and no journal yet. */
export function isPreparedRun(submitDir: string): boolean {
  return !existsSync(journalPath(submitDir)) && existsSync(join(submitDir, WORKFLOW_COPY));
}

/**
 * Serialized in-memory journals by workflow file, reused while the file is unchanged: the
 * dashboard opens the run for every request, and a large workflow takes a while to seed.
 */
const cache = new Map<string, { key: string; image: Buffer }>();
const CACHE_SIZE = 4;

function build(file: string): Buffer {
  const wf = loadWorkflow(file);
  const db = new Database(':memory:');
  try {
    db.exec(SCHEMA);
    const meta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    meta.run('name', wf.name);
    meta.run(PREPARED_META, '1');
    meta.run('preparedAt', statSync(file).mtime.toISOString());
    const ins = db.prepare(
      "INSERT INTO jobs (idx, id, label, state, request_memory, request_cpus, memory_mb) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
    );
    db.transaction(() => {
      wf.jobs.forEach((j, i) => ins.run(i, j.id, j.label, j.requestMemory, j.requestCpus, j.requestMemory));
    })();
    return db.serialize();
  } finally {
    db.close();
  }
}

/**
 * The journal a prepared run would have before its first start, as a read-only in-memory
 * database; undefined when `submitDir` is not a prepared run. A bad workflow.json throws its
 * WORKFLOW_* error (the one `quanta restore` would give).
 */
export function openPreparedJournal(submitDir: string): Database.Database | undefined {
  if (!isPreparedRun(submitDir)) return undefined;
  const file = join(submitDir, WORKFLOW_COPY);
  const st = statSync(file);
  const key = `${st.mtimeMs}:${st.size}`;
  let hit = cache.get(file);
  if (hit?.key !== key) {
    hit = { key, image: build(file) };
    cache.delete(file);
    cache.set(file, hit);
    while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  return new Database(hit.image, { readonly: true });
}
