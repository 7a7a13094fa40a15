import { describe, expect, it } from 'vitest';
import { decideRetry, p90 } from '../../src/engine/retry.js';
import { suggestMemory } from '../../src/engine/report.js';
import { parseWorkflow } from '../../src/engine/workflow.js';
import type { EngineError } from '../../src/errors.js';

const j = (id: string, needs: string[] = []) => ({ id, label: 'l', argv: ['true'], needs });

function err(f: () => unknown): EngineError {
  try {
    f();
  } catch (e) {
    return e as EngineError;
  }
  throw new Error('expected an error');
}

describe('workflow file', () => {
  it('applies defaults', () => {
    const wf = parseWorkflow({ jobs: [j('a')] });
    expect(wf.name).toBe('workflow');
    expect(wf.jobs[0].requestMemory).toBe(2048);
    expect(wf.jobs[0].requestCpus).toBe(1);
    expect(wf.numberOfRetries).toBe(0);
    expect(wf.enforceMemory).toBe(true);
  });

  it('names the cycle', () => {
    const e = err(() =>
      parseWorkflow({ jobs: [j('a', ['c']), j('b', ['a']), j('c', ['b']), j('d')] }, 'w.json'),
    );
    expect(e.code).toBe('WORKFLOW_CYCLE');
    expect(e.message).toMatch(/cycle: (a -> c -> b -> a|c -> b -> a -> c|b -> a -> c -> b)/);
  });

  it('rejects duplicate ids, unknown needs, and jobs with both or neither argv and task', () => {
    expect(err(() => parseWorkflow({ jobs: [j('a'), j('a')] })).code).toBe('WORKFLOW_DUPLICATE_JOB');
    expect(err(() => parseWorkflow({ jobs: [j('a', ['zz'])] })).message).toContain('needs zz');
    const both = { ...j('a'), task: { module: 'm', exportName: 'x', quantumFile: 'q' } };
    expect(err(() => parseWorkflow({ jobs: [both] })).message).toContain('exactly one of argv or task');
    expect(err(() => parseWorkflow({ jobs: [{ id: 'a', label: 'l' }] }, 'w.json')).location.key).toBe(
      'jobs.0',
    );
  });

  it('refuses an unknown key, at the top and in a job, naming it and the key it resembles', () => {
    const job = err(() => parseWorkflow({ jobs: [j('a'), { ...j('b'), neeeds: ['a'] }] }, 'w.json'));
    expect(job.code).toBe('WORKFLOW_UNKNOWN_KEY');
    expect(job.location.key).toBe('jobs.1.neeeds');
    expect(job.message).toContain('w.json');
    expect(job.message).toContain('job b');
    expect(job.message).toContain("did you mean 'needs'");
    const top = err(() => parseWorkflow({ jobs: [j('a')], numberOfRetry: 2 }, 'w.json'));
    expect(top.code).toBe('WORKFLOW_UNKNOWN_KEY');
    expect(top.location.key).toBe('numberOfRetry');
    expect(top.message).toContain("did you mean 'numberOfRetries'");
    const out = { id: 'u', datasetType: 't', run: 'r', dataId: {}, path: 'p', pth: 'x' };
    expect(err(() => parseWorkflow({ jobs: [{ ...j('a'), outputs: [out] }] })).location.key).toBe(
      'jobs.0.outputs.0.pth',
    );
  });

  it('refuses a workflow without jobs', () => {
    const e = err(() => parseWorkflow({ name: 'x', jobs: [] }, 'w.json'));
    expect(e.code).toBe('WORKFLOW_EMPTY');
    expect(e.message).toContain('w.json');
  });

  it('refuses a NUL byte in an id, argv, env name or value, or cwd, naming the job and the key', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...j('a'), argv: ['echo', 'x\0y'] }, 'jobs.0.argv.1'],
      [{ ...j('a'), env: { 'A\0B': 'v' } }, 'jobs.0.env'],
      [{ ...j('a'), env: { A: 'v\0' } }, 'jobs.0.env.A'],
      [{ ...j('a'), cwd: '/tmp/\0' }, 'jobs.0.cwd'],
    ];
    for (const [job, key] of cases) {
      const e = err(() => parseWorkflow({ jobs: [job] }, 'w.json'));
      expect(e.code, key).toBe('WORKFLOW_NUL_BYTE');
      expect(e.location.key).toBe(key);
      expect(e.message).toContain('job a');
      expect(e.message).not.toContain('\0');
    }
    const id = err(() => parseWorkflow({ jobs: [j('a\0b')] }, 'w.json'));
    expect(id.code).toBe('WORKFLOW_NUL_BYTE');
    expect(id.location.key).toBe('jobs.0.id');
    expect(id.message).toContain('a\\0b');
  });

  it('takes retryUnlessExit (a number or a list, per job or as the default) and runWhen', () => {
    const wf = parseWorkflow({
      retryUnlessExit: [1, 2],
      jobs: [
        { ...j('a'), retryUnlessExit: 3 },
        { ...j('b'), retryUnlessExit: [] },
        { ...j('c', ['a', 'b']), runWhen: 'always' },
      ],
    });
    expect(wf.retryUnlessExit).toEqual([1, 2]);
    expect(wf.jobs[0].retryUnlessExit).toEqual([3]);
    expect(wf.jobs[1].retryUnlessExit).toEqual([]);
    expect(wf.jobs[2].runWhen).toBe('always');
    expect(wf.jobs[0].runWhen).toBeUndefined();
    expect(err(() => parseWorkflow({ jobs: [{ ...j('a'), runWhen: 'ALWAYS' }] })).location.key).toBe(
      'jobs.0.runWhen',
    );
    expect(err(() => parseWorkflow({ jobs: [{ ...j('a'), retryUnlessExit: [1.5] }] })).code).toBe(
      'WORKFLOW_INVALID',
    );
  });
});

describe('retry policy', () => {
  it('retries while the failures are at most numberOfRetries and raises memory only after a memory kill, capped', () => {
    const base = { numberOfRetries: 2, memoryMB: 1000, memoryMultiplier: 2, maxWorkerMemoryMB: 3000 };
    expect(decideRetry({ ...base, outcome: 'memory', failures: 1 })).toEqual({ retry: true, memoryMB: 2000 });
    expect(decideRetry({ ...base, outcome: 'memory', failures: 2, memoryMB: 2000 })).toEqual({
      retry: true,
      memoryMB: 3000,
    });
    expect(decideRetry({ ...base, outcome: 'failed', failures: 2 })).toEqual({ retry: true, memoryMB: 1000 });
    expect(decideRetry({ ...base, outcome: 'failed', failures: 3 }).retry).toBe(false);
  });

  it('does not retry a failure whose exit code is in retryUnlessExit, but still retries memory kills', () => {
    const base = { numberOfRetries: 2, memoryMB: 1000, memoryMultiplier: 2, maxWorkerMemoryMB: 0 };
    const unless = { ...base, retryUnlessExit: [1, 2] };
    expect(decideRetry({ ...unless, outcome: 'failed', exitCode: 1, failures: 1 }).retry).toBe(false);
    expect(decideRetry({ ...unless, outcome: 'failed', exitCode: 2, failures: 1 }).retry).toBe(false);
    expect(decideRetry({ ...unless, outcome: 'failed', exitCode: 3, failures: 1 }).retry).toBe(true);
    expect(decideRetry({ ...unless, outcome: 'failed', exitCode: null, failures: 1 }).retry).toBe(true);
    expect(decideRetry({ ...unless, outcome: 'memory', exitCode: 1, failures: 1 })).toEqual({
      retry: true,
      memoryMB: 2000,
    });
    expect(decideRetry({ ...base, outcome: 'failed', exitCode: 1, failures: 1 }).retry).toBe(true);
  });

  it('computes p90 and suggests memory above the peak', () => {
    expect(p90([])).toBeUndefined();
    expect(p90([5, 1, 2, 3, 4, 6, 7, 8, 9, 10])).toBe(10);
    expect(suggestMemory(1000)).toBe(1216);
    expect(suggestMemory(10)).toBe(128);
    expect(suggestMemory(100, 2000)).toBe(2432);
  });
});
