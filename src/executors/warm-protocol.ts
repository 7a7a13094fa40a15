/** Messages between the job runner and its warm task worker processes (IPC, same host). */
export interface WarmRequest {
  type: 'run';
  jobId: string;
  quantumFile: string;
  logPath: string;
}

export type WarmReply = { type: 'ready' } | { type: 'done'; jobId: string; ok: boolean; message?: string };
