/**
 * Entry of a warm task worker process (forked by WarmPool). It imports task modules once
 * (runQuantum caches them) and runs many quanta, one at a time, in the order received: the pool
 * may queue several on it (warm-protocol.ts), so the next one starts here the moment the last one
 * ends, without waiting for a round trip to the parent. What happens (start, done) is reported
 * in one message per event-loop turn.
 * While a quantum runs, everything the process writes to stdout/stderr goes to that quantum's
 * log file, opened at the first write: a quantum that writes nothing leaves no file. Nor does it
 * write a result file: its outputs go back with its `done` event. Why: creating files is what
 * costs most per quantum on a busy local disk and on Lustre/GPFS metadata servers, and these
 * were two of them. The process exits when its parent goes away (the IPC channel closes), and, under a
 * lease (parent-lease.ts), kills its process group, itself included, when its parent falls silent
 * during a quantum.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { runQuantum } from '../task/run-quantum.js';
import { fencedMessage, LeaseWatch } from './parent-lease.js';
import type { WarmEvent, WarmMessage, WarmReply, WarmRequest } from './warm-protocol.js';

/** the running quantum's log: its path, and its descriptor once something was written */
let logPath: string | undefined;
let logFd = -1;
let current: string | undefined;
/** quanta received and not started, in order */
const queue: WarmRequest[] = [];
/** events not sent yet (see report) */
let outbox: WarmEvent[] = [];

const lease = new LeaseWatch((silentMs) => {
  if (current === undefined) return; // idle: nothing to fence
  const message = fencedMessage(silentMs);
  writeLog(`quanta: ${message}\n`);
  const die = () => process.kill(-process.pid, 'SIGKILL');
  // tell the parent why first (it reads it when it runs again), then go with the quantum's children
  send({ type: 'fenced', jobId: current, message }, die);
  setTimeout(die, 200).unref();
});

/** Write to the running quantum's log, opening it first if need be; false when none runs. */
function writeLog(chunk: string | Uint8Array): boolean {
  if (logPath === undefined) return false;
  // its directory exists: JobRunner.run makes it before handing any job on
  if (logFd < 0) logFd = openSync(logPath, 'a', 0o600);
  if (typeof chunk === 'string') writeSync(logFd, chunk);
  else writeSync(logFd, chunk);
  return true;
}

function redirect(stream: NodeJS.WriteStream): void {
  const original = stream.write.bind(stream);
  // why the cast: stream.write has several overloads; we accept them all and report success
  stream.write = ((chunk: string | Uint8Array, encOrCb?: unknown, cb?: unknown): boolean => {
    if (!writeLog(chunk)) return original(chunk as string);
    const done = typeof encOrCb === 'function' ? encOrCb : cb;
    if (typeof done === 'function') (done as () => void)();
    return true;
  }) as typeof stream.write;
}
redirect(process.stdout);
redirect(process.stderr);

function send(msg: WarmReply, cb?: () => void): void {
  // pending events go first: the parent must see what happened in order
  flush();
  if (cb) process.send?.(msg, undefined, {}, cb);
  else process.send?.(msg);
}

function flush(): void {
  if (flushTimer) clearTimeout(flushTimer);
  if (flushNow) clearImmediate(flushNow);
  flushTimer = flushNow = undefined;
  if (outbox.length === 0) return;
  const events = outbox;
  outbox = [];
  process.send?.({ type: 'events', events } satisfies WarmReply);
}

/**
 * Events wait at most FLUSH_MS (so a long quantum's start is known, its memory sampled, its
 * timeout armed, that late at worst), and go at the end of this turn when the parent is waiting
 * for them: the last queued quantum ended, a drop was done, or many are pending. Why: one reply
 * per quantum was a message per quantum for the parent to read.
 */
const FLUSH_MS = 2;
const FLUSH_EVENTS = 32;
let flushTimer: NodeJS.Timeout | undefined;
let flushNow: NodeJS.Immediate | undefined;

function report(e: WarmEvent): void {
  outbox.push(e);
  const urgent =
    (e.kind === 'done' && queue.length === 0) || e.kind === 'dropped' || outbox.length >= FLUSH_EVENTS;
  if (urgent) flushNow ??= setImmediate(flush);
  else flushTimer ??= setTimeout(flush, FLUSH_MS);
}

async function handle(req: WarmRequest): Promise<void> {
  logPath = req.logPath;
  current = req.jobId;
  report({ kind: 'start', jobId: req.jobId });
  try {
    const result = await runQuantum(req.quantumFile, { resultFile: false });
    const outputs = result.outputs.map((o) =>
      o.checksum ? { id: o.id, checksum: o.checksum } : { id: o.id },
    );
    report({ kind: 'done', jobId: req.jobId, ok: true, outputs });
  } catch (e) {
    const err = e as Error;
    writeLog(`${err.stack ?? String(err)}\n`);
    report({ kind: 'done', jobId: req.jobId, ok: false, message: err.message.split('\n')[0] });
  } finally {
    if (logFd >= 0) closeSync(logFd);
    logFd = -1;
    logPath = undefined;
    current = undefined;
  }
}

/** Run what is queued, one quantum at a time, until the queue is empty. */
async function work(): Promise<void> {
  while (queue.length > 0) await handle(queue.shift() as WarmRequest);
}

function accept(runs: WarmRequest[]): void {
  const idle = current === undefined && queue.length === 0;
  queue.push(...runs);
  if (idle) void work();
}

process.on('message', (msg: WarmMessage) => {
  if (msg?.type === 'lease') return lease.set(msg.ms);
  lease.renew();
  if (msg?.type === 'runs') accept(msg.runs);
  else if (msg?.type === 'run') accept([msg]);
  else if (msg?.type === 'drop') {
    const i = queue.findIndex((q) => q.jobId === msg.jobId);
    // started already: the pool hears `start` for a quantum it dropped and kills this process
    if (i < 0) return;
    queue.splice(i, 1);
    report({ kind: 'dropped', jobId: msg.jobId });
  }
});
process.on('disconnect', () => process.exit(0));
send({ type: 'ready' });
