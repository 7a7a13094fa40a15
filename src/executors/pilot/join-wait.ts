/**
 * Waiting for the launched workers to join: done when all came, or when the executor is shut
 * down meanwhile (the run ended with the workers that came: its outcome is the journal's); after
 * the timeout (or when every worker step already ended) go on with those that came, or fail when
 * none did.
 */
import { ExecutorError } from '../../errors.js';

export interface JoinWait {
  expected: number;
  timeoutMs: number;
  /** workers (nodes) that joined so far, including those that left again */
  joined(): number;
  /** the executor is shutting down */
  stopped(): boolean;
  stepsDone(): boolean;
  /** register the callback to run whenever a worker joins or a step ends (undefined: stop) */
  onChange(cb: (() => void) | undefined): void;
  warn(message: string): void;
  noneMessage(why: string): string;
}

export function waitForJoins(w: JoinWait): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      w.onChange(undefined);
    };
    const check = (timedOut: boolean) => {
      const joined = w.joined();
      const stepsDone = w.stepsDone();
      if (joined >= w.expected || w.stopped()) {
        done();
        resolve();
      } else if (timedOut || stepsDone) {
        done();
        if (joined > 0) {
          w.warn(`only ${joined} of ${w.expected} workers joined; going on with them`);
          resolve();
        } else {
          const why = stepsDone ? 'before every worker step ended' : `within ${w.timeoutMs / 1000} s`;
          reject(new ExecutorError('NO_WORKERS', w.noneMessage(why)));
        }
      }
    };
    const timer = setTimeout(() => check(true), w.timeoutMs);
    w.onChange(() => check(false));
    check(false);
  });
}
