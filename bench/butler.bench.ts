/**
 * The registry at the seed's scale: import of 200 visits x 189 detectors (37,800
 * visit_detector_region rows + exposures + raws) and `query-data-ids visit detector` with a
 * 200-visit `in` list, on SQLite (and PostgreSQL when .services/postgres.env or QUANTA_PG_URL
 * says where one runs). Medians of several runs. Targets: import in seconds, query well under 1 s.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createButler, openButler } from '../src/butler/index.js';
import { importExport } from '../src/butler/import.js';
import { exportYaml } from '../test/butler/files.js';

const VISITS = 200;
const DETECTORS = 189;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function pgUrl(): string | undefined {
  if (process.env.QUANTA_PG_URL) return process.env.QUANTA_PG_URL;
  try {
    return /^QUANTA_PG_URL=(.*)$/m.exec(readFileSync('.services/postgres.env', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await fn();
  return [performance.now() - t0, out];
}

const dir = mkdtempSync(join(tmpdir(), 'quanta-bench-butler-'));
const file = exportYaml(dir, { visits: VISITS, detectors: DETECTORS });
const where = `instrument = 'ToyCam' and visit in (${Array.from({ length: VISITS }, (_, i) => 1000 + i).join(', ')})`;
const rows: { backend: string; step: string; median_ms: string; runs: number; result: string }[] = [];

const backends: [string, string | undefined][] = [['sqlite', undefined]];
const url = pgUrl();
if (url) backends.push(['postgres', url]);
else process.stderr.write('bench butler: no PostgreSQL (scripts/services/start-postgres.sh), SQLite only\n');

for (const [name, registry] of backends) {
  const imports: number[] = [];
  const queries: number[] = [];
  const finds: number[] = [];
  let count = 0;
  let datasets = 0;
  for (let i = 0; i < RUNS; i++) {
    const root = join(dir, `${name}-${i}`);
    const b = await createButler(root, { registry });
    const [ti, rep] = await time(() => importExport(b, file));
    imports.push(ti);
    await b.close();
    const b2 = await openButler(root);
    const [tq, ids] = await time(() => b2.registry.queryDataIds(['visit', 'detector'], { where }));
    queries.push(tq);
    count = ids.length;
    const [tf, refs] = await time(() =>
      b2.registry.findDatasets('raw', { collections: ['ToyCam/defaults'] }),
    );
    finds.push(tf);
    datasets = refs.length;
    await b2.close();
    if (rep.datasets !== VISITS * DETECTORS) throw new Error(`imported ${rep.datasets} datasets`);
  }
  rows.push({
    backend: name,
    step: `import ${VISITS}x${DETECTORS}`,
    median_ms: median(imports).toFixed(0),
    runs: RUNS,
    result: `${VISITS * DETECTORS} vdr + raws`,
  });
  rows.push({
    backend: name,
    step: 'query-data-ids visit detector (200-visit in)',
    median_ms: median(queries).toFixed(1),
    runs: RUNS,
    result: `${count} rows`,
  });
  rows.push({
    backend: name,
    step: 'findDatasets raw (chain)',
    median_ms: median(finds).toFixed(1),
    runs: RUNS,
    result: `${datasets} refs`,
  });
}
console.table(rows);
rmSync(dir, { recursive: true, force: true });
