/**
 * "Billion laughs": a few hundred bytes of YAML whose nested aliases expand to ~10^9 values.
 * Every YAML quanta reads from a user (the bps submit YAML, a pipeline, a butler export) is
 * refused in a second with YAML_ALIASES naming the file, instead of minutes of work and a crash;
 * anchors used the ordinary way still load.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLoadedAliases, MAX_EXPANDED } from '../../src/util/yaml-aliases.js';
import { quantaBin } from '../engine/helpers.js';

/** `l0: &l0 [9 values]`, `l1: &l1 [*l0 x 9]`, ... `l8`: 9^9 = 387 million leaves. */
function laughs(levels = 8): string[] {
  const lines = [`l0: &l0 [${Array.from({ length: 9 }, () => '"lol"').join(', ')}]`];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return lines;
}

function quanta(args: string[]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [quantaBin(), ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    maxBuffer: 64 << 20,
  });
  return { ...r, seconds: (performance.now() - t0) / 1000 };
}

function expectRefused(r: ReturnType<typeof quanta>, file: string): void {
  expect(r.signal, 'killed by the timeout: the YAML was expanded').toBeNull();
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr).toMatch(/^quanta: error \[YAML_ALIASES\] /m);
  expect(r.stderr).toContain(file);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.seconds).toBeLessThan(10);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'quanta-laughs-'));
});

describe('a billion laughs YAML', () => {
  it('is refused as a submit YAML', () => {
    const f = join(dir, 'bps.yaml');
    writeFileSync(
      f,
      [
        'pipelineYaml: p.yaml',
        'payload:',
        '  payloadName: x',
        '  butlerConfig: repo',
        '  inCollection: in',
        ...laughs(),
      ].join('\n'),
    );
    expectRefused(quanta(['config', 'show', f]), f);
  }, 60_000);

  it('is refused as a pipeline', () => {
    const f = join(dir, 'pipeline.yaml');
    writeFileSync(f, ['description: x', 'tasks:', '  isr:', '    class: a.B', ...laughs()].join('\n'));
    expectRefused(quanta(['pipeline', 'show', f]), f);
  }, 60_000);

  it('is refused as a butler export', () => {
    const repo = join(dir, 'repo');
    expect(quanta(['butler', 'create', repo]).status).toBe(0);
    const f = join(dir, 'export.yaml');
    writeFileSync(
      f,
      [
        'description: x',
        'version: 1.0.2',
        ...laughs(),
        'data:',
        '- type: dimension',
        '  element: instrument',
        '  records: *l8',
      ].join('\n'),
    );
    expectRefused(quanta(['butler', 'import', repo, f]), f);
  }, 60_000);

  it('anchors and aliases used as defaults still load', () => {
    const f = join(dir, 'ok.yaml');
    const labels = Array.from({ length: 200 }, (_, i) => `    task${i}: *mem`);
    writeFileSync(
      f,
      [
        'pipelineYaml: p.yaml',
        'defaults: &mem',
        '  requestMemory: 4096',
        '  requestCpus: 2',
        'payload:',
        '  payloadName: x',
        '  butlerConfig: repo',
        '  inCollection: in',
        'extra:',
        '  labels:',
        ...labels,
        ...laughs(3), // 9^3 = 729 values: well under the limit
      ].join('\n'),
    );
    const r = quanta(['config', 'show', f, '--json']);
    expect(r.stderr).not.toContain('YAML_ALIASES');
    expect(r.status, r.stderr).toBe(0);
  }, 60_000);

  it('a large document without aliases loads, however many values it has (a big butler export)', () => {
    // as js-yaml loads it: 1.2 million values, each written out
    const rows = Array.from({ length: 300_000 }, (_, i) => ({ visit: i, detector: i % 189, band: 'r' }));
    expect(() =>
      checkLoadedAliases({ data: [{ type: 'dimension', records: rows }] }, 'big.yaml'),
    ).not.toThrow();
    // the same count reached through aliases is refused
    const shared = load(laughs(7).join('\n'));
    expect(() => checkLoadedAliases(shared, 'laughs.yaml')).toThrow(/YAML_ALIASES|expand to about/);
    expect(9 ** 7).toBeGreaterThan(MAX_EXPANDED);
  });
});
