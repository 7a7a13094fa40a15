import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileDatastore } from '../../src/butler/datastore/index.js';
import { ExecutorError } from '../../src/errors.js';
import type { QuantumFile } from '../../src/task/quantum-file.js';
import { runQuantum } from '../../src/task/run-quantum.js';

const tasks = join(import.meta.dirname, 'fixtures', 'tasks.ts');
const dataId = { instrument: 'ToyCam', exposure: 5, detector: 1 };

async function setup(config: Record<string, unknown>): Promise<{ root: string; file: string }> {
  const root = mkdtempSync(join(tmpdir(), 'quanta-rq-'));
  const ds = new FileDatastore(root);
  const raw = await ds.put(
    { width: 2, height: 2, image: Float32Array.from([10, 20, 30, 40]), header: { EXPID: 5 } },
    { datasetType: 'raw', run: 'raw/all', dataId, storageClass: 'Exposure' },
  );
  const q: QuantumFile = {
    task: { label: 'isr', module: tasks, exportName: 'isr', config },
    dataId,
    run: 'u/me/run',
    datastoreRoot: root,
    inputs: {
      ccdExposure: [
        {
          id: '00000000-0000-4000-8000-000000000001',
          datasetType: 'raw',
          storageClass: 'Exposure',
          dataId,
          path: raw.path,
        },
      ],
    },
    outputs: {
      outputExposure: [
        {
          id: '00000000-0000-4000-8000-000000000002',
          datasetType: 'postISRCCD',
          storageClass: 'Exposure',
          dataId,
          path: 'u/me/run/postISRCCD/5_1.fits',
        },
      ],
    },
  };
  const file = join(root, 'isr.5.1.json');
  writeFileSync(file, JSON.stringify(q));
  return { root, file };
}

describe('runQuantum', () => {
  it('loads inputs, runs the task with its config and writes outputs and the result file', async () => {
    const { root, file } = await setup({ bias: 10 });
    const result = await runQuantum(file);
    expect(result.outputs).toEqual([
      expect.objectContaining({
        id: '00000000-0000-4000-8000-000000000002',
        datasetType: 'postISRCCD',
        path: 'u/me/run/postISRCCD/5_1.fits',
      }),
    ]);
    const out = (await new FileDatastore(root).get('u/me/run/postISRCCD/5_1.fits', 'Exposure')) as {
      image: Float32Array;
      header: Record<string, unknown>;
    };
    expect(Array.from(out.image)).toEqual([0, 10, 20, 30]);
    expect(out.header.ISR).toBe(true);
    expect(JSON.parse(readFileSync(`${file}.result.json`, 'utf8'))).toEqual(result);
  });

  it('rejects a config the task schema does not accept, naming the key', async () => {
    const { file } = await setup({ bias: 'high' });
    const e = await runQuantum(file).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ExecutorError);
    expect((e as ExecutorError).message).toMatch(/task isr: config bias/);
    expect(existsSync(`${file}.result.json`)).toBe(false);
  });

  it('reports an unreadable quantum file', async () => {
    await expect(runQuantum(join(tmpdir(), 'no-such-quantum.json'))).rejects.toThrow(
      /cannot read quantum file/,
    );
  });
});
