import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openButler } from '../../src/butler/index.js';
import { runWorkflow } from '../../src/engine/run.js';
import { parseWorkflow } from '../../src/engine/workflow.js';
import { LocalExecutor } from '../../src/executors/local/local-executor.js';
import { makeRepo, tempDir, thingJobs } from './helpers.js';

describe('output registration', () => {
  it('registers each output once in the output run, chained in front of the inputs', async () => {
    const dir = tempDir('registry');
    const root = join(dir, 'repo');
    await makeRepo(root, 4);
    const jobs = thingJobs(dir, root, 4, 'u/me/run1');
    const wf = parseWorkflow({
      name: 'reg',
      butlerRoot: root,
      outputCollection: 'u/me/out',
      inputCollections: ['inputs'],
      jobs,
    });
    const o = {
      submitDir: join(dir, 'submit'),
      workflow: wf,
      executor: ({ runId }: { runId: string }) => new LocalExecutor({ cores: 2, memoryMB: 4000, runId }),
    };
    expect((await runWorkflow(o)).status).toBe('succeeded');
    expect((await runWorkflow({ ...o, workflow: undefined })).status).toBe('succeeded'); // restore: nothing to redo
    const b = await openButler(root);
    try {
      expect(await b.registry.getCollectionChain('u/me/out')).toEqual(['u/me/run1', 'inputs']);
      const refs = await b.registry.findDatasets('thing', { collections: ['u/me/out'] });
      expect(refs.map((r) => r.id).sort()).toEqual(
        jobs.map((j) => (j.outputs as { id: string }[])[0].id).sort(),
      );
      expect(refs.every((r) => r.run === 'u/me/run1')).toBe(true);
    } finally {
      await b.close();
    }
  });
});
