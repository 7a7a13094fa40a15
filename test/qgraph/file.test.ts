import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphError } from '../../src/errors.js';
import { regionsOverlap as overlaps } from '../../src/butler/region.js';
import { buildQuantumGraph } from '../../src/qgraph/builder.js';
import { DatasetTable, learnPattern } from '../../src/qgraph/dataset-table.js';
import { decodeQuantumGraph, encodeQuantumGraph, QG_FILE_VERSION } from '../../src/qgraph/file.js';
import { quantumCount } from '../../src/qgraph/quantum-table.js';
import type { QuantumGraph } from '../../src/qgraph/types.js';
import { box, char, conn, isr, memorySource, rawInputs, taskNode, toyRows, VD } from './memory-source.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const coadd = taskNode(
  'assembleCoadd',
  ['skymap', 'tract', 'patch', 'band'],
  { cal: conn('icExp', VD, { multiple: true }) },
  { coadd: conn('deepCoadd', ['skymap', 'tract', 'patch', 'band']) },
);

/** Every quantum with its datasets spelled out (indices differ between graphs). */
function view(g: QuantumGraph): unknown[] {
  const side = (s: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.map((d) => g.datasets.get(d))]));
  return g.quanta.map((q) => ({
    label: q.label,
    dataId: q.dataId,
    inputs: side(q.inputs),
    outputs: side(q.outputs),
  }));
}

describe('the QG file', () => {
  it('round-trips a graph with a spatial join, a gather and several tasks (format 2)', async () => {
    const rows = toyRows([10, 11], [0, 1]);
    const source = memorySource({
      rows,
      patches: [
        { dataId: { skymap: 'sky', tract: 0, patch: 0 }, region: box(9, -1, 10.55, 1) },
        { dataId: { skymap: 'sky', tract: 0, patch: 1 }, region: box(10.55, -1, 12, 1) },
      ],
      vdr: rows.map((r) => ({
        dataId: { instrument: 'ToyCam', visit: r.visit, detector: r.detector },
        region: box(10 + 0.5 * (Number(r.visit) - 10), 0, 10.2 + 0.5 * (Number(r.visit) - 10), 0.2),
      })),
      inputs: { raw: rawInputs(rows, 'ToyCam/raw/all') },
      outputRun: {},
    });
    const { graph } = await buildQuantumGraph([isr, char, coadd], source, {
      outputRun: 'u/test/run',
      inputCollections: ['ToyCam/defaults'],
      overlaps,
    });
    expect(quantumCount(graph)).toBeGreaterThan(8);
    const bytes = encodeQuantumGraph(graph);
    expect(bytes.readUInt32LE(8)).toBe(QG_FILE_VERSION);
    const back = decodeQuantumGraph(bytes);
    expect(quantumCount(back)).toBe(quantumCount(graph));
    expect(back.datasets.length).toBe(graph.datasets.length);
    expect(back.datasetTypes).toEqual(graph.datasetTypes);
    expect(back.tasks).toEqual(JSON.parse(JSON.stringify(graph.tasks)));
    expect(back.created).toBe(graph.created);
    expect(view(back)).toEqual(view(graph));
    // the coadd quanta gather several visits' icExp through the spatial join
    expect(back.quanta.some((q) => q.label === 'assembleCoadd' && q.inputs.cal.length > 1)).toBe(true);
    // a graph whose quanta were made (and could have been changed) is written from its objects
    graph.quanta[0].dataId = { ...graph.quanta[0].dataId };
    expect(view(decodeQuantumGraph(encodeQuantumGraph(graph)))).toEqual(view(graph));
  });

  it('gives quanta whose edges come from the columns and that behave as plain objects', async () => {
    const rows = toyRows([10, 11], [0, 1]);
    const source = memorySource({
      rows,
      patches: [],
      vdr: [],
      inputs: { raw: rawInputs(rows, 'ToyCam/raw/all') },
      outputRun: {},
    });
    const { graph } = await buildQuantumGraph([isr, char], source, {
      outputRun: 'u/test/run',
      inputCollections: ['ToyCam/defaults'],
      overlaps,
    });
    const back = decodeQuantumGraph(encodeQuantumGraph(graph));
    const q = back.quanta.find((x) => x.label === 'characterizeImage')!;
    const exp = back.datasets.get(q.inputs.exp[0]);
    expect(exp.datasetType).toBe('postISRCCD');
    expect(back.datasets.get(q.outputs.ic[0]).datasetType).toBe('icExp');
    expect(back.datasets.get(q.outputs.src[0]).dataId).toEqual(q.dataId);
    // the same record each time it is read, and assignable
    expect(q.inputs).toBe(q.inputs);
    const plain = JSON.parse(JSON.stringify(q)) as Record<string, unknown>;
    expect(plain).toEqual({ label: q.label, dataId: q.dataId, inputs: q.inputs, outputs: q.outputs });
    q.outputs = { ic: [q.outputs.ic[0]] };
    expect(Object.keys(q.outputs)).toEqual(['ic']);
    // the changed quantum is what a save writes
    const again = decodeQuantumGraph(encodeQuantumGraph(back));
    const q2 = again.quanta.find(
      (x) =>
        x.label === 'characterizeImage' &&
        x.dataId.visit === q.dataId.visit &&
        x.dataId.detector === q.dataId.detector,
    )!;
    expect(Object.keys(q2.outputs)).toEqual(['ic']);
  });

  it('reads a format 1 file written by the quanta before it', () => {
    const g = decodeQuantumGraph(readFileSync(join(FIXTURES, 'format1.qg')), 'format1.qg');
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'format1.expected.json'), 'utf8')) as {
      outputRun: string;
      created: string;
      quanta: unknown[];
    };
    expect(g.outputRun).toBe(expected.outputRun);
    expect(g.created).toBe(expected.created);
    expect(view(g)).toEqual(expected.quanta);
    // and writes it again as format 2
    expect(view(decodeQuantumGraph(encodeQuantumGraph(g)))).toEqual(expected.quanta);
  });

  it('refuses a format it does not know, naming the file and the version', () => {
    const bytes = Buffer.from(readFileSync(join(FIXTURES, 'format1.qg')));
    bytes.writeUInt32LE(7, 8);
    let err: unknown;
    try {
      decodeQuantumGraph(bytes, 'old/qgraph.qg');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GraphError);
    expect((err as GraphError).code).toBe('QG_VERSION');
    expect((err as Error).message).toMatch(
      /old\/qgraph\.qg has QG format version 7; this quanta reads versions 1 and 2/,
    );
  });
});

describe('the dataset table', () => {
  it('gives back every path exactly, through patterns or as it is', () => {
    const t = new DatasetTable(2);
    const paths: string[] = [];
    for (let d = 0; d < 30; d++) {
      const dataId = { instrument: 'ToyCam', visit: 10 + (d % 3), detector: d };
      // run name with a "0" that detector 0 also spells, and odd paths no pattern gives
      const path =
        d % 7 === 6
          ? `elsewhere/file-${d * 13}.fits`
          : `u/0/run/calexp/${dataId.visit}/calexp_${dataId.visit}_${d}.fits`;
      paths.push(path);
      t.add({ datasetType: 'calexp', dataId, run: 'u/0/run', path, producer: d });
    }
    expect(paths.map((_, i) => t.path(i))).toEqual(paths);
    // the regular paths after detector 0 (whose 0 is ambiguous) share one pattern
    const regular = new Set(
      paths
        .map((_, i) => i)
        .filter((i) => i > 0 && i % 7 !== 6)
        .map((i) => t.pathCodes[i]),
    );
    expect([...regular]).toHaveLength(1);
    expect(t.producer(29)).toBe(29);
  });

  it('keeps given UUIDs and makes version 4 ones', () => {
    const t = new DatasetTable();
    const id = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
    t.add({ id, datasetType: 'raw', dataId: {}, run: 'r', path: '', producer: -1 });
    t.add({ datasetType: 'raw', dataId: {}, run: 'r', path: '', producer: -1 });
    expect(t.id(0)).toBe(id);
    expect(t.id(1)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(t.id(1)).not.toBe(t.id(0));
  });

  it('learns a pattern from the data-ID values a path spells', () => {
    expect(learnPattern('run/calexp/12/calexp_12_3.fits', { visit: 12, detector: 3 })).toEqual({
      parts: ['run/calexp/', '/calexp_', '_', '.fits'],
      dims: ['visit', 'visit', 'detector'],
    });
  });
});
