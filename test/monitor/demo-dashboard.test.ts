/** `quanta demo` serves the dashboard of its run by default: the page finds the run and sees it end. */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
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
    expect(err).toContain(
      `demo: the dashboard at ${url} closes now that the demo is done (not run on a terminal)`,
    );
  });

  // script(1) gives the demo a terminal; it takes one command line, built here from safe paths
  it.runIf(existsSync('/usr/bin/script'))(
    'on a terminal keeps the dashboard up after the run until Ctrl-C, and says so',
    async () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'quanta-demo-tty-')), 'toycam');
      const line = [
        process.execPath,
        resolve('bin/quanta.js'),
        'demo',
        '--dir',
        dir,
        '--visits',
        '1',
        '--detectors',
        '1',
      ];
      expect(line.every((a) => /^[\w./-]+$/.test(a))).toBe(true);
      // `exec`: script(1) runs the line with $SHELL, else /bin/sh; dash (Debian's sh, and what CI
      // gets with SHELL unset) does not exec a lone command, and a shell left waiting in the
      // terminal's foreground group dies of the Ctrl-C itself (exit 130) whatever the demo does
      const child = spawn('/usr/bin/script', ['-qfec', `exec ${line.join(' ')}`, '/dev/null'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
      const url = await waitFor(
        () =>
          /demo: the dashboard stays up at (http:\/\/127\.0\.0\.1:\d+\/); press Ctrl-C to close it and exit/.exec(
            out,
          )?.[1],
        240_000,
      );
      expect(out).toContain('=== ToyCam demo summary ===');
      // the run is over and the page still answers
      const s = (await (await fetch(`${url}api/status`)).json()) as StatusPayload;
      expect(s.status?.totals.total).toBeGreaterThan(0);
      child.stdin.write('\x03');
      expect(await exited, out).toBe(0);
      await expect(fetch(`${url}api/status`)).rejects.toThrow();
    },
    300_000,
  );
});
