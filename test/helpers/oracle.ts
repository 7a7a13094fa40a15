/**
 * The real Butler as an oracle for differential tests: one `python -m quanta_lsst.oracle` process
 * (python/quanta_lsst/oracle.py) per test file, spoken to in JSON lines. Answers are in the
 * oracle's canonical shape (data IDs of required values, times as TAI ns, regions as encoded hex);
 * test/helpers/canonical.ts puts quanta's answers in the same shape.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';

export class OracleError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly trace: string,
  ) {
    super(`${type}: ${message}`);
  }
}

interface Answer {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { type: string; message: string; trace: string };
}

export class Oracle {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private next = 1;
  private stderr = '';

  constructor(venv: string) {
    this.proc = spawn(`${venv}/bin/python`, ['-m', 'quanta_lsst.oracle'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-4000);
    });
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const a = JSON.parse(line) as Answer;
      const w = this.waiting.get(a.id);
      if (!w) return;
      this.waiting.delete(a.id);
      if (a.ok) w.resolve(a.result);
      else w.reject(new OracleError(a.error?.type ?? 'Error', a.error?.message ?? '', a.error?.trace ?? ''));
    });
    this.proc.on('exit', (code) => {
      for (const w of this.waiting.values())
        w.reject(new Error(`the oracle exited (${code}); its stderr ends: ${this.stderr}`));
      this.waiting.clear();
    });
  }

  call<T = unknown>(op: string, args: Record<string, unknown>): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.proc.stdin.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** The answer, or the error's class name (daf_butler's verdict on a bad query). */
  async attempt<T = unknown>(
    op: string,
    args: Record<string, unknown>,
  ): Promise<{ ok: T } | { error: string }> {
    try {
      return { ok: await this.call<T>(op, args) };
    } catch (e) {
      if (e instanceof OracleError) return { error: e.type };
      throw e;
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.proc.exitCode !== null) return resolve();
      this.proc.once('exit', () => resolve());
      this.proc.stdin.end();
    });
  }
}

/** The installed daf_butler's own test exports (not copied into our repository). */
export function registryDataDir(venv: string): string {
  const lib = readdirSync(`${venv}/lib`).find((d) => d.startsWith('python3'));
  return `${venv}/lib/${lib ?? 'python3.11'}/site-packages/lsst/daf/butler/tests/registry_data`;
}
