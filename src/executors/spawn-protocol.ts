/** Messages between the job runner and its spawner processes (IPC, same host). */

/** Start one command job: argv array (never a shell), stdout+stderr appended to `logPath`. */
export interface SpawnRequest {
  type: 'spawn';
  key: number;
  argv: string[];
  /** added to the spawner's base environment */
  env: Record<string, string>;
  cwd?: string;
  logPath: string;
}

/** Sent once, first: the environment every job gets on top of the spawner's own. */
export interface SpawnInit {
  type: 'init';
  env: Record<string, string>;
}

/**
 * The lease (pilot workers, lease.ts): from now on, kill every job if no message comes from the
 * parent for `ms`. Any message renews it; the parent sends this one to renew while it is idle.
 */
export interface SpawnLease {
  type: 'lease';
  ms: number;
}

export type SpawnerRequest = SpawnInit | SpawnRequest | SpawnLease;

export type SpawnerReply =
  | { type: 'started'; key: number; pid: number }
  | {
      type: 'exit';
      key: number;
      exitCode: number | null;
      signal: string | null;
      message?: string;
      /** killed because the lease lapsed: the attempt was fenced, not the job's own failure */
      fenced?: boolean;
    };
