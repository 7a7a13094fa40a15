/**
 * Real runs for the monitoring tests: small workflows of shell jobs (one fails with a line a test
 * can look for), run with the CLI into a fresh submit directory.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quantaBin, tempDir } from '../engine/helpers.js';

export const FAILURE_LINE = 'FATAL: bad pixel mask for detector 7';

function sh(id: string, label: string, script: string, needs: string[] = [], requestMemory = 200) {
  return { id, label, argv: ['/bin/sh', '-c', script], requestMemory, requestCpus: 1, needs };
}

/**
 * isr x detectors -> calibrate (detector 2 fails, after its retry too) -> coadd, plus coadd.other
 * after isr.0 only; `sleep` seconds per job, `failSleep` for the failing one.
 */
export function shellWorkflow(sleep = 0.2, detectors = 4, failSleep = sleep): Record<string, unknown> {
  const jobs = [];
  const ds = Array.from({ length: detectors }, (_, d) => d);
  for (const d of ds) {
    jobs.push(sh(`isr.${d}`, 'isr', `echo isr detector ${d}; sleep ${sleep}`, [], 300));
    jobs.push(
      d === 2
        ? sh(
            `calibrate.${d}`,
            'calibrate',
            `sleep ${failSleep}; echo '${FAILURE_LINE}' >&2; exit 4`,
            [`isr.${d}`],
            400,
          )
        : sh(`calibrate.${d}`, 'calibrate', `echo calibrating ${d}; sleep ${sleep}`, [`isr.${d}`], 400),
    );
  }
  jobs.push(
    sh(
      'coadd',
      'coadd',
      `sleep ${sleep}`,
      ds.map((d) => `calibrate.${d}`),
      500,
    ),
  );
  jobs.push(sh('coadd.other', 'coadd', `sleep ${sleep}`, ['isr.0'], 500));
  return { name: 'monitor-test', numberOfRetries: 1, jobs };
}

export function quanta(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [quantaBin(), ...args], { encoding: 'utf8' });
}

/** Write the workflow (or build it in the run's temp dir) and run it to its end; returns the submit dir and the run's JSON summary. */
export function runToEnd(
  prefix: string,
  wf: Record<string, unknown> | ((dir: string) => Record<string, unknown>) = shellWorkflow(),
  extra: string[] = [],
): { dir: string; submitDir: string; summary: { status: string; totals: Record<string, number> } } {
  const dir = tempDir(prefix);
  writeFileSync(join(dir, 'wf.json'), JSON.stringify(typeof wf === 'function' ? wf(dir) : wf));
  const submitDir = join(dir, 'sd');
  const r = quanta(['run-workflow', join(dir, 'wf.json'), '--submit-dir', submitDir, '--json', ...extra]);
  if (r.status !== 0 && r.status !== 1) throw new Error(`run-workflow exited ${r.status}: ${r.stderr}`);
  return { dir, submitDir, summary: JSON.parse(r.stdout) };
}

/** Start a run in the background; stderr is collected in `stderr()`. */
export function startRun(
  prefix: string,
  wf: Record<string, unknown>,
  extra: string[] = [],
): { submitDir: string; child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const dir = tempDir(prefix);
  writeFileSync(join(dir, 'wf.json'), JSON.stringify(wf));
  const submitDir = join(dir, 'sd');
  const child = spawn(
    process.execPath,
    [quantaBin(), 'run-workflow', join(dir, 'wf.json'), '--submit-dir', submitDir, ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr?.on('data', (b: Buffer) => (err += b.toString()));
  child.stdout?.resume();
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { submitDir, child, stderr: () => err, exited };
}

export async function waitFor<T>(probe: () => T | undefined | false, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
