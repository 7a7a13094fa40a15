import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Butler } from '../../src/butler/index.js';
import { regionsOverlap } from '../../src/butler/region.js';
import { buildQuantumGraph } from '../../src/qgraph/builder.js';
import { pipelineDimensions, registrySource } from '../../src/qgraph/registry-source.js';
import { conn, taskNode } from './memory-source.js';
import { DEFAULTS, detectorRegion, makeToyRepo } from './toy-repo.js';

const VISITS = [10, 11, 12, 13, 14];
const DETECTORS = [0, 1, 2];
const ED = ['instrument', 'exposure', 'detector'];
const VD = ['instrument', 'visit', 'detector'];
// a per-visit task fed by the raws of the visit's exposure (exposure -> visit through visit_definition)
const perVisit = taskNode('perVisit', VD, { raw: conn('raw', ED) }, { out: conn('visitOut', VD) });
// an exposure-level task upstream of a visit-level one (isr -> calibrate)
const isr = taskNode('isr', ED, { raw: conn('raw', ED) }, { out: conn('postISRCCD', ED) });
const calibrate = taskNode('calibrate', VD, { exp: conn('postISRCCD', ED) }, { out: conn('calexp', VD) });
// patch 1 of the toy sky map: ra 11..12, dec 0..1
const PATCH1 = {
  vertices: [
    [11, 0],
    [12, 0],
    [12, 1],
    [11, 1],
  ] as [number, number][],
};
const overlappingPatch1 = (): string[] =>
  VISITS.flatMap((v, i) =>
    DETECTORS.filter((d) => regionsOverlap(detectorRegion(i, d), PATCH1)).map((d) => `${v}.${d}`),
  ).sort();

let butler: Butler;
beforeAll(async () => {
  ({ butler } = await makeToyRepo(join(mkdtempSync(join(tmpdir(), 'quanta-qg-spatial-')), 'repo'), {
    visits: VISITS,
    detectors: DETECTORS,
  }));
});
afterAll(() => butler.close());

async function build(dataQuery: string, tasks = [perVisit], allDimensions = true) {
  const source = registrySource({
    universe: butler.registry.universe,
    registry: butler.registry,
    inputCollections: [DEFAULTS],
    outputRun: 'u/test/spatial',
    where: dataQuery,
    ...(allDimensions ? { allDimensions: pipelineDimensions(tasks) } : {}),
    pathFor: (ref) => butler.datastore.pathFor(ref),
  });
  return buildQuantumGraph(tasks, source, {
    outputRun: 'u/test/spatial',
    inputCollections: [DEFAULTS],
    dataQuery,
    overlaps: regionsOverlap,
  });
}

describe('quantum graphs constrained by tract/patch', () => {
  it('gives a per-visit task only the visit-detectors that overlap the patch', async () => {
    const expected = overlappingPatch1();
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(VISITS.length * DETECTORS.length);
    const { graph, counts } = await build("skymap='toy' AND tract=0 AND patch=1");
    expect(counts.perVisit).toBe(expected.length);
    expect(graph.quanta.map((q) => `${q.dataId.visit}.${q.dataId.detector}`).sort()).toEqual(expected.sort());
  });

  it('gives an exposure-level task only the exposures whose visits overlap the patch, as pipetask', async () => {
    const expected = overlappingPatch1();
    const { graph, counts } = await build("skymap='toy' AND tract=0 AND patch=1", [isr, calibrate]);
    const of = (label: string): string[] =>
      graph.quanta
        .filter((q) => q.label === label)
        .map((q) => `${q.dataId.exposure ?? q.dataId.visit}.${q.dataId.detector}`)
        .sort();
    expect(of('isr')).toEqual(expected);
    expect(of('calibrate')).toEqual(expected);
    expect(counts.isr).toBeLessThan(VISITS.length * DETECTORS.length);
    // queried one dimension set at a time (no pipeline dimensions), isr would get every exposure
    const alone = await build("skymap='toy' AND tract=0 AND patch=1", [isr, calibrate], false);
    expect(alone.counts.isr).toBe(VISITS.length * DETECTORS.length);
  });

  it('still builds every visit-detector without a sky-map constraint', async () => {
    const { counts } = await build("instrument='ToyCam'");
    expect(counts.perVisit).toBe(VISITS.length * DETECTORS.length);
  });
});
