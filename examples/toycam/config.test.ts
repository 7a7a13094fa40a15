import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadPipeline } from '../../src/pipeline/load.js';
import { instrumentYaml } from './lib/survey.js';

const here = import.meta.dirname;

describe('the ToyCam pipeline and submit files', () => {
  it('has the DRP subsets and a memory request for every task label', async () => {
    const p = await loadPipeline(join(here, 'DRP.yaml'));
    const labels = p.tasks.map((t) => t.label);
    expect(labels).toEqual(
      expect.arrayContaining([
        'isr',
        'characterizeImage',
        'calibrate',
        'makeWarp',
        'assembleCoadd',
        'forcedPhotCoadd',
      ]),
    );
    const res = parse(readFileSync(join(here, 'etc', 'resources.yaml'), 'utf8')) as {
      pipetask: Record<string, { requestMemory: number }>;
    };
    for (const l of labels) expect(res.pipetask[l]?.requestMemory, l).toBeGreaterThan(100);
    for (const subset of ['singleFrame', 'coadd', 'multiband', 'analysis']) {
      const sel = await loadPipeline(`${join(here, 'DRP.yaml')}#${subset}`);
      expect(sel.tasks.length).toBeGreaterThan(0);
    }
  });

  it('keeps instrument.yaml in step with the camera geometry of the generator', () => {
    const strip = (s: string): unknown => parse(s);
    expect(strip(readFileSync(join(here, 'instrument.yaml'), 'utf8'))).toEqual(strip(instrumentYaml()));
  });
});
