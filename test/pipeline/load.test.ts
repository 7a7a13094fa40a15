import { describe, expect, it } from 'vitest';
import { loadPipeline } from '../../src/pipeline/load.js';
import { join } from 'node:path';

const fixtures = join(import.meta.dirname, 'fixtures');

describe('loadPipeline', () => {
  it('loads the fixture pipeline in execution order with resolved configs', async () => {
    const p = await loadPipeline(join(fixtures, 'DRP.yaml'));
    expect(p.tasks.map((t) => t.label)).toEqual([
      'isr',
      'characterizeImage',
      'calibrate',
      'visitSummary',
      'assembleCoadd',
    ]);
    expect(p.tasks[0].config).toEqual({ bias: 12, doSaturation: true });
    expect(p.tasks[2].config).toEqual({ zeroPoint: 27, astrometry: { maxIter: 5 } });
    expect(p.datasetTypes.raw.producer).toBeUndefined();
    expect(p.datasetTypes.calexp.producer).toBe('calibrate');
  });
});
