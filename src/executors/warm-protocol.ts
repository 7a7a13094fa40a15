/** Messages between the job runner and its warm task worker processes (IPC, same host). */
export interface WarmRequest {
  type: 'run';
  jobId: string;
  quantumFile: string;
  logPath: string;
}

/** The lease (parent-lease.ts): any message renews it; this one starts, renews or ends it. */
export interface WarmLease {
  type: 'lease';
  ms: number;
}

export type WarmMessage = WarmRequest | WarmLease;

export type WarmReply =
  | { type: 'ready' }
  | { type: 'done'; jobId: string; ok: boolean; message?: string }
  /** the lease lapsed during this quantum: the process kills its group (itself included) next */
  | { type: 'fenced'; jobId: string; message: string };
