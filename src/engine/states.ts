/** Job states of the journal (docs/engine.md) and their compact numeric codes. */
export const JOB_STATES = [
  'pending',
  'ready',
  'running',
  'succeeded',
  'failed',
  'blocked',
  'cancelled',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const PENDING = 0;
export const READY = 1;
export const RUNNING = 2;
export const SUCCEEDED = 3;
export const FAILED = 4;
export const BLOCKED = 5;
export const CANCELLED = 6;

export function stateCode(s: JobState): number {
  return JOB_STATES.indexOf(s);
}

export function stateName(code: number): JobState {
  return JOB_STATES[code];
}
