// bps clustering keys: clusterAlgorithm and cluster: sections, read as bps writes them.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { loadSubmitConfig } from './submit-config.js';
import { MINIMAL, writeFiles } from './test-files.js';

const DIM = 'clusterAlgorithm: lsst.ctrl.bps.quantum_clustering_funcs.dimension_clustering\n';

async function load(text: string) {
  return loadSubmitConfig(join(writeFiles({ 'bps.yaml': text }), 'bps.yaml'), { env: {} });
}

async function failure(text: string): Promise<ConfigError> {
  try {
    await load(text);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('clustering config', () => {
  it('reads cluster sections as bps writes them: comma-separated strings, pairs, resources with units', async () => {
    const cfg = await load(
      `${MINIMAL}${DIM}cluster:\n  sfp:\n    pipetasks: "isr, characterizeImage,calibrate"\n    dimensions: visit,detector\n    equalDimensions: visit:exposure\n    requestMemory: 4GB\n    requestWalltime: "00:10:00"\n  coadd:\n    pipetasks: [assembleCoadd]\n    dimensions: tract\n    partitionDimensions: patch\n    partitionMaxClusters: 10\n`,
    );
    expect(cfg.warnings).toEqual([]);
    expect(cfg.clustering.algorithm).toBe('dimension');
    expect(cfg.clustering.clusters).toEqual([
      expect.objectContaining({
        label: 'sfp',
        pipetasks: ['isr', 'characterizeImage', 'calibrate'],
        dimensions: ['visit', 'detector'],
        equalDimensions: [['visit', 'exposure']],
        partitionDimensions: [],
        resources: { requestMemory: 4096, timeoutSec: 600 },
      }),
      expect.objectContaining({
        label: 'coadd',
        pipetasks: ['assembleCoadd'],
        dimensions: ['tract'],
        partitionDimensions: ['patch'],
        partitionMaxClusters: 10,
        resources: {},
      }),
    ]);
    expect(cfg.clustering.clusters[0].where).toMatchObject({ line: 9, column: 3 });
  });

  it('is one quantum per job by default, and says that cluster sections are then ignored', async () => {
    const cfg = await load(`${MINIMAL}cluster:\n  sfp:\n    pipetasks: isr\n    dimensions: visit\n`);
    expect(cfg.clustering).toMatchObject({ algorithm: 'single', clusters: [] });
    expect(cfg.warnings).toEqual([
      expect.stringMatching(
        /bps\.yaml:7:1: cluster: sfp: ignored, because clusterAlgorithm is single-quantum/,
      ),
    ]);
    const short = await load(`${MINIMAL}clusterAlgorithm: dimension_clustering\n`);
    expect(short.clustering.algorithm).toBe('dimension');
  });

  it('refuses an unknown algorithm, partition keys that do not fit, and findDependencyMethod', async () => {
    const cases: [string, string, RegExp][] = [
      ['clusterAlgorithm: my.own_clustering\n', 'clusterAlgorithm', /is not a clustering quanta knows/],
      [
        `${DIM}cluster:\n  a:\n    pipetasks: isr\n    partitionDimensions: visit\n`,
        'cluster.a.partitionDimensions',
        /needs partitionMaxClusters .* or partitionMaxSize/,
      ],
      [
        `${DIM}cluster:\n  a:\n    pipetasks: isr\n    partitionDimensions: visit\n    partitionMaxClusters: 4\n    partitionMaxSize: 2\n`,
        'cluster.a.partitionMaxSize',
        /not both/,
      ],
      [`${DIM}cluster:\n  a:\n    dimensions: visit\n`, 'cluster.a.pipetasks', /needs "pipetasks"/],
      [
        `${DIM}cluster:\n  a:\n    pipetasks: isr\n    equalDimensions: visit\n`,
        'cluster.a.equalDimensions',
        /"visit" is not a pair/,
      ],
      [
        `${DIM}cluster:\n  a:\n    pipetasks: isr\n    findDependencyMethod: sink\n`,
        'cluster.a.findDependencyMethod',
        /does not support findDependencyMethod/,
      ],
    ];
    for (const [text, key, message] of cases) {
      const e = await failure(`${MINIMAL}${text}`);
      expect(e.code, text).toBe('CONFIG_CLUSTER');
      expect(e.exitCode).toBe(2);
      expect(e.location.key, text).toBe(key);
      expect(e.location.line, text).toBeGreaterThan(6);
      expect(e.message, text).toMatch(message);
    }
  });

  it('refuses a misspelt key of a cluster section, which would change the jobs in silence', async () => {
    const e = await failure(`${MINIMAL}${DIM}cluster:\n  a:\n    pipetask: isr\n    dimensions: visit\n`);
    expect(e.code).toBe('CONFIG_UNKNOWN_KEY');
    expect(e.message).toContain('(did you mean "cluster.a.pipetasks"?)');
    expect(e.location).toMatchObject({ line: 10, column: 5 });
  });
});
