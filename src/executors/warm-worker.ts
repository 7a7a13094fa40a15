/**
 * Entry of a warm task worker process (forked by WarmPool). It imports task modules once
 * (runQuantum caches them) and runs many quanta, one at a time, each on request over IPC.
 * While a quantum runs, everything the process writes to stdout/stderr goes to that quantum's
 * log file. The process exits when its parent goes away (the IPC channel closes), and, under a
 * lease (parent-lease.ts), kills its process group, itself included, when its parent falls silent
 * during a quantum.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { runQuantum } from '../task/run-quantum.js';
import { fencedMessage, LeaseWatch } from './parent-lease.js';
import type { WarmMessage, WarmReply, WarmRequest } from './warm-protocol.js';

let logFd = -1;
let current: string | undefined;

const lease = new LeaseWatch((silentMs) => {
  if (current === undefined) return; // idle: nothing to fence
  const message = fencedMessage(silentMs);
  if (logFd >= 0) writeSync(logFd, `quanta: ${message}\n`);
  const die = () => process.kill(-process.pid, 'SIGKILL');
  // tell the parent why first (it reads it when it runs again), then go with the quantum's children
  process.send?.({ type: 'fenced', jobId: current, message } satisfies WarmReply, undefined, {}, die);
  setTimeout(die, 200).unref();
});

function redirect(stream: NodeJS.WriteStream): void {
  const original = stream.write.bind(stream);
  // why the cast: stream.write has several overloads; we accept them all and report success
  stream.write = ((chunk: string | Uint8Array, encOrCb?: unknown, cb?: unknown): boolean => {
    if (logFd < 0) return original(chunk as string);
    if (typeof chunk === 'string') writeSync(logFd, chunk);
    else writeSync(logFd, chunk);
    const done = typeof encOrCb === 'function' ? encOrCb : cb;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }) as typeof stream.write;
}
redirect(process.stdout);
redirect(process.stderr);

function reply(msg: WarmReply): void {
  process.send?.(msg);
}

async function handle(req: WarmRequest): Promise<void> {
  mkdirSync(dirname(req.logPath), { recursive: true, mode: 0o700 });
  logFd = openSync(req.logPath, 'a', 0o600);
  current = req.jobId;
  try {
    await runQuantum(req.quantumFile);
    reply({ type: 'done', jobId: req.jobId, ok: true });
  } catch (e) {
    const err = e as Error;
    writeSync(logFd, `${err.stack ?? String(err)}\n`);
    reply({ type: 'done', jobId: req.jobId, ok: false, message: err.message.split('\n')[0] });
  } finally {
    closeSync(logFd);
    logFd = -1;
    current = undefined;
  }
}

process.on('message', (msg: WarmMessage) => {
  if (msg?.type === 'lease') return lease.set(msg.ms);
  lease.renew();
  if (msg?.type === 'run') void handle(msg);
});
process.on('disconnect', () => process.exit(0));
reply({ type: 'ready' });
