/**
 * Test side of the executor contract: records every event and lets a test wait for a condition.
 * It plays the engine's part (it is the callback interface, not a stand-in for our code).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { DispatchJob, ExecutorEvents, JobResult, WorkerInfo } from '../../src/engine/executor.js';

export class Recorder implements ExecutorEvents {
  joined: WorkerInfo[] = [];
  lost: { workerId: string; reason: string }[] = [];
  started: { jobId: string; workerId: string }[] = [];
  finished: JobResult[] = [];
  private waiters: (() => void)[] = [];

  workerJoined(w: WorkerInfo): void {
    this.joined.push(w);
    this.poke();
  }
  workerLost(workerId: string, reason: string): void {
    this.lost.push({ workerId, reason });
    this.poke();
  }
  jobStarted(jobId: string, workerId: string): void {
    this.started.push({ jobId, workerId });
    this.poke();
  }
  jobFinished(r: JobResult): void {
    this.finished.push(r);
    this.poke();
  }

  private poke(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolve when `cond()` holds; reject after `ms`. */
  until(cond: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      const check = () => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      check();
    });
  }
}

export function commandJob(
  id: string,
  argv: string[],
  logDir: string,
  extra: Partial<DispatchJob> = {},
): DispatchJob {
  return {
    id,
    label: id.split('.')[0],
    attempt: 1,
    payload: { kind: 'command', argv },
    memoryMB: 100,
    cpus: 1,
    enforceMemory: false,
    logPath: `${logDir}/${id}.log`,
    ...extra,
  };
}

export interface SpawnedWorker {
  child: ChildProcess;
  exit: Promise<number | null>;
  output: () => string;
}

/** Start `quanta worker` from the built dist/ (as srun would). */
export function spawnWorker(
  root: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): SpawnedWorker {
  const child = spawn(process.execPath, [`${root}/bin/quanta.js`, 'worker', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit, output: () => out };
}

export function pidAlive(pid: number): boolean {
  try {
    // PID 1 on CI machines may not reap: a zombie is as good as dead
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
  } catch {
    return false;
  }
}
