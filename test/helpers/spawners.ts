/**
 * Tests of command jobs run against both spawner implementations (src/executors/spawner-choice.ts):
 * `describe.each(SPAWNERS)(..., (kind) => { useSpawner(kind); ... })`. QUANTA_SPAWNER is set for
 * the block, so pools made in it and processes it starts (a manager, a worker) use that kind.
 */
import { afterAll, beforeAll } from 'vitest';
import type { SpawnerKind } from '../../src/executors/spawner-choice.js';

export const SPAWNERS: SpawnerKind[] = ['node', 'python'];

export function useSpawner(kind: SpawnerKind): void {
  let before: string | undefined;
  beforeAll(() => {
    before = process.env.QUANTA_SPAWNER;
    process.env.QUANTA_SPAWNER = kind;
  });
  afterAll(() => {
    if (before === undefined) delete process.env.QUANTA_SPAWNER;
    else process.env.QUANTA_SPAWNER = before;
  });
}
