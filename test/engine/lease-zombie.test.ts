/**
 * A killed manager whose parent died too stays a zombie until it is reaped, and a zombie still
 * answers kill(pid, 0). It holds nothing: the lease counts it as gone, so a successor job or a
 * supervised restore takes the run over instead of refusing with LEASE_HELD.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { holderGone, pidAlive } from '../../src/engine/lease.js';

const children: { kill: () => boolean }[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill();
});

describe('a zombie lease holder', () => {
  it('is not alive, and its lease is gone', async () => {
    // sh starts a short child, then execs into a long sleep that never reaps it: a zombie
    const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    children.push(parent);
    const pid = await new Promise<number>((resolve) =>
      parent.stdout.once('data', (b) => resolve(Number(String(b).trim()))),
    );
    let state = '';
    for (let i = 0; i < 50 && state !== 'Z'; i++) {
      await sleep(50);
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    }
    expect(state).toBe('Z');
    expect(() => process.kill(pid, 0)).not.toThrow(); // what fooled the lease before
    expect(pidAlive(pid)).toBe(false);
    const row = { host: hostname(), pid, since: Date.now(), heartbeat: Date.now(), token: 't' };
    expect(holderGone(row, 60)).toMatch(/is gone/);
    expect(pidAlive(parent.pid!)).toBe(true);
  });
});
