/**
 * quanta reads pipeline files as pipe_base does: the same real-shaped files go to the real
 * pipe_base (python -m quanta_lsst.pipeline_ir) and to quanta's readPipeline, and the views
 * (labels and classes, config blocks, subsets, steps, contracts, instrument, parameters, the
 * #selection) must be equal, or both must refuse the file. A disagreement fails unless
 * docs/pipelines.md lists the case under "Intentional differences from pipe_base".
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { readPipeline } from '../../src/pipeline/definition.js';
import { describeWithService, probeService } from '../helpers/services.js';
import { ORACLE_CASES, writeOracleFixtures } from './pipe-base-fixtures.js';
import { quantaView, type PipeBaseView } from './pipe-base-view.js';

const lsst = probeService('lsst');
const docs = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'pipelines.md'), 'utf8');

type Answer =
  | { spec: string; ok: true; view: PipeBaseView }
  | { spec: string; ok: false; error: { type: string; message: string } };

/** Case names that docs/pipelines.md lists as intentional differences (`name`: reason). */
function intentional(): Set<string> {
  const section = docs.split(/^## Intentional differences from pipe_base$/m)[1]?.split(/^## /m)[0] ?? '';
  return new Set([...section.matchAll(/^- `([^`]+)`:/gm)].map((m) => m[1]));
}

describeWithService('lsst', lsst, 'pipeline files: quanta against the real pipe_base', () => {
  const root = mkdtempSync(join(tmpdir(), 'quanta-pipe-base-'));
  const env = writeOracleFixtures(root);
  const answers = new Map<string, Answer>();

  beforeAll(() => {
    const r = spawnSync(
      `${lsst.env.QUANTA_LSST_VENV}/bin/python`,
      ['-m', 'quanta_lsst.pipeline_ir', ...ORACLE_CASES.map((c) => c.spec)],
      { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    for (const a of (JSON.parse(r.stdout) as { results: Answer[] }).results) answers.set(a.spec, a);
  });

  const quanta = (spec: string): { ok: true; view: PipeBaseView } | { ok: false; error: string } => {
    try {
      return {
        ok: true,
        view: quantaView(readPipeline(join(root, spec), { env: { ...process.env, ...env } })),
      };
    } catch (e) {
      return { ok: false, error: (e as Error).message };
    }
  };

  it('reads at least 10 real-shaped files', () => {
    expect(ORACLE_CASES.length).toBeGreaterThanOrEqual(10);
    expect(ORACLE_CASES.filter((c) => answers.get(c.spec)?.ok).length).toBeGreaterThanOrEqual(10);
  });

  for (const c of ORACLE_CASES) {
    it(`agrees with pipe_base on ${c.name} (${c.spec})`, () => {
      const theirs = answers.get(c.spec)!;
      const ours = quanta(c.spec);
      const agree =
        theirs.ok && ours.ok
          ? JSON.stringify(ours.view) === JSON.stringify(theirs.view)
          : theirs.ok === ours.ok;
      if (agree) return;
      if (intentional().has(c.name)) return;
      const detail = (x: typeof theirs | typeof ours): unknown => (x.ok ? x.view : x.error);
      expect({ case: c.name, quanta: detail(ours) }).toEqual({ case: c.name, quanta: detail(theirs) });
    });
  }

  it('lists only intentional differences that still differ', () => {
    const stale = [...intentional()].filter((name) => {
      const c = ORACLE_CASES.find((x) => x.name === name);
      if (!c) return true;
      const theirs = answers.get(c.spec)!;
      const ours = quanta(c.spec);
      return theirs.ok && ours.ok
        ? JSON.stringify(ours.view) === JSON.stringify(theirs.view)
        : theirs.ok === ours.ok;
    });
    expect(stale).toEqual([]);
  });
});
