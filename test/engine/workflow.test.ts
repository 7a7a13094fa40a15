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
});

describe('retry policy', () => {
  it('gives 1 + numberOfRetries attempts and raises memory only after a memory kill, capped', () => {
    const base = { numberOfRetries: 2, memoryMB: 1000, memoryMultiplier: 2, maxWorkerMemoryMB: 3000 };
    expect(decideRetry({ ...base, outcome: 'memory', attempts: 1 })).toEqual({ retry: true, memoryMB: 2000 });
    expect(decideRetry({ ...base, outcome: 'memory', attempts: 2, memoryMB: 2000 })).toEqual({
      retry: true,
      memoryMB: 3000,
    });
    expect(decideRetry({ ...base, outcome: 'failed', attempts: 2 })).toEqual({ retry: true, memoryMB: 1000 });
    expect(decideRetry({ ...base, outcome: 'failed', attempts: 3 }).retry).toBe(false);
  });

  it('computes p90 and suggests memory above the peak', () => {
    expect(p90([])).toBeUndefined();
    expect(p90([5, 1, 2, 3, 4, 6, 7, 8, 9, 10])).toBe(10);
    expect(suggestMemory(1000)).toBe(1216);
    expect(suggestMemory(10)).toBe(128);
    expect(suggestMemory(100, 2000)).toBe(2432);
  });
});
