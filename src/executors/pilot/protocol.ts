/**
 * The pilot wire protocol: JSON lines over plain TCP, one message per line, every line validated
 * with zod on arrival (STYLE.md: parse at the edge). Session:
 *
 *   manager -> worker  {type:'challenge', nonce, protocol, managerId}
 *   worker  -> manager {type:'hello', workerId, node, memoryMB, cores, pid, answer, nonce}
 *                      answer: the worker's proof of the token for the manager's nonce;
 *                      nonce: the worker's own challenge to the manager (auth.ts)
 *   manager -> worker  {type:'welcome', workerId, heartbeatMs, heartbeatTimeoutMs, proof}
 *                      proof: the manager's proof of the token for the worker's nonce; the worker
 *                      runs nothing before it checked it
 *                   or {type:'refused', reason} and the socket is closed
 *   manager -> worker  {type:'dispatch', job} | {type:'kill', jobId} | {type:'shutdown', reason} | {type:'ping'}
 *   worker  -> manager {type:'started', jobId, startedAt} | {type:'result', result} | {type:'heartbeat', running}
 *
 * Either side treats a closed socket or `heartbeatTimeoutMs` without any line from the other as
 * the peer being gone.
 */
import { z } from 'zod';
import type { DispatchJob, JobResult } from '../../engine/executor.js';

/**
 * 2: mutual authentication (the worker's nonce, the manager's proof, the manager's id);
 * 3: a task job's outputs come back in its result (`taskOutputs`), not in a result file
 */
export const PROTOCOL_VERSION = 3;
/** lines longer than this are a protocol violation (a job's env and argv fit easily) */
export const MAX_LINE_BYTES = 4 * 1024 * 1024;
/** before authentication a peer gets only this much, so a stranger cannot make us buffer */
export const MAX_PREAUTH_BYTES = 8 * 1024;

const commandPayload = z.object({
  kind: z.literal('command'),
  argv: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
});
const taskPayload = z.object({
  kind: z.literal('task'),
  module: z.string(),
  exportName: z.string(),
  quantumFile: z.string(),
});

export const dispatchJobSchema = z.object({
  id: z.string().min(1),
  label: z.string(),
  attempt: z.number().int().nonnegative(),
  payload: z.discriminatedUnion('kind', [commandPayload, taskPayload]),
  memoryMB: z.number().nonnegative(),
  cpus: z.number().nonnegative(),
  timeoutSec: z.number().nonnegative().optional(),
  enforceMemory: z.boolean(),
  logPath: z.string().min(1),
});

export const jobResultSchema = z.object({
  id: z.string().min(1),
  attempt: z.number().int().nonnegative(),
  outcome: z.enum(['succeeded', 'failed', 'memory', 'timeout', 'lost', 'cancelled']),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  peakMemoryMB: z.number().nonnegative(),
  startedAt: z.number(),
  endedAt: z.number(),
  workerId: z.string(),
  node: z.string(),
  message: z.string().optional(),
  taskOutputs: z.array(z.object({ id: z.string(), checksum: z.string().optional() })).optional(),
});

const workerIdPattern = /^[A-Za-z0-9._:@-]{1,128}$/;
const hex64 = /^[0-9a-f]{64}$/;
const noncePattern = /^[0-9a-f]{32,128}$/;

export const managerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('challenge'),
    nonce: z.string().regex(noncePattern),
    protocol: z.number().int(),
    /** random per manager process: a worker that rejoins only rejoins the manager it left */
    managerId: z.string().regex(/^[0-9a-f]{8,64}$/),
  }),
  z.object({
    type: z.literal('welcome'),
    workerId: z.string(),
    heartbeatMs: z.number().int().positive(),
    heartbeatTimeoutMs: z.number().int().positive(),
    proof: z.string().regex(hex64),
  }),
  z.object({ type: z.literal('refused'), reason: z.string() }),
  z.object({ type: z.literal('dispatch'), job: dispatchJobSchema }),
  z.object({ type: z.literal('kill'), jobId: z.string() }),
  z.object({ type: z.literal('shutdown'), reason: z.string() }),
  z.object({ type: z.literal('ping') }),
]);

export const workerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.number().int(),
    workerId: z.string().regex(workerIdPattern),
    node: z.string().min(1).max(256),
    memoryMB: z.number().int().positive(),
    cores: z.number().int().positive(),
    pid: z.number().int().positive(),
    answer: z.string().regex(hex64),
    nonce: z.string().regex(noncePattern),
  }),
  z.object({ type: z.literal('started'), jobId: z.string(), startedAt: z.number() }),
  z.object({ type: z.literal('result'), result: jobResultSchema }),
  z.object({ type: z.literal('heartbeat'), running: z.array(z.string()) }),
]);

export type ManagerMessage = z.infer<typeof managerMessageSchema>;
export type WorkerMessage = z.infer<typeof workerMessageSchema>;
export type HelloMessage = Extract<WorkerMessage, { type: 'hello' }>;

// The schemas must accept exactly the engine's types; these fail to compile if they drift apart.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _dispatchMatches: Exact<z.infer<typeof dispatchJobSchema>, DispatchJob> = true;
const _resultMatches: Exact<z.infer<typeof jobResultSchema>, JobResult> = true;
void _dispatchMatches;
void _resultMatches;

/** One message as a line. */
export function encode(msg: ManagerMessage | WorkerMessage): string {
  return `${JSON.stringify(msg)}\n`;
}

export type Decoded<T> = { ok: true; msg: T } | { ok: false; error: string };

function decodeWith<T>(schema: z.ZodType<T>, line: string): Decoded<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    return { ok: false, error: `invalid message: ${issue.path.join('.') || '(root)'}: ${issue.message}` };
  }
  return { ok: true, msg: r.data };
}

export function decodeWorkerMessage(line: string): Decoded<WorkerMessage> {
  return decodeWith(workerMessageSchema, line);
}

export function decodeManagerMessage(line: string): Decoded<ManagerMessage> {
  return decodeWith(managerMessageSchema, line);
}

/** `tcp://host:port` or `host:port` -> {host, port}; undefined when malformed. */
export function parseManagerUrl(url: string): { host: string; port: number } | undefined {
  const m = /^(?:tcp:\/\/)?(\[[0-9a-fA-F:]+\]|[^:/\s]+):(\d{1,5})\/?$/.exec(url.trim());
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

export function formatManagerUrl(host: string, port: number): string {
  return `tcp://${host.includes(':') ? `[${host}]` : host}:${port}`;
}
