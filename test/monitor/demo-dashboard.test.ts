/** `quanta demo` serves the dashboard of its run by default: the page finds the run and sees it end. */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StatusPayload } from '../../src/monitor/index.js';
import { waitFor } from './fixture.js';

describe('quanta demo --dashboard', () => {
  it('prints the URL, shows the run it submits, and closes the server when the demo exits', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'quanta-demo-dash-')), 'toycam');
    const child = spawn(
      process.execPath,
      [resolve('bin/quanta.js'), 'demo', '--dir', dir, '--visits', '1', '--detectors', '2'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    const url = await waitFor(() => /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err)?.[1]);
    const phases = new Set<string>();
    let seen: StatusPayload | undefined;
    let done = false;
    void exited.then(() => (done = true));
    while (!done) {
      try {
        const s = (await (await fetch(`${url}api/status`)).json()) as StatusPayload;
        phases.add(s.phase);
        if (s.status) seen = s;
      } catch {
        // the demo has exited and closed the server
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await exited, err).toBe(0);
    expect(phases.has('waiting')).toBe(true);
    expect(seen?.submitDir?.startsWith(join(dir, 'submit'))).toBe(true);
    expect(seen?.status?.totals.total).toBeGreaterThan(0);
    await expect(fetch(`${url}api/status`)).rejects.toThrow();
  });
});
