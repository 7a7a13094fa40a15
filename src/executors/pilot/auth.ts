/**
 * Per-run secret and the mutual challenge-response between manager and worker. The token lives
 * in `<submitDir>/token` (mode 0600, on the shared filesystem the workers see); it never travels
 * on the wire. Each side sends a fresh random nonce and the other proves it knows the token:
 *
 *   worker answer  = HMAC-SHA256(token, "quanta-worker" | managerNonce | workerId)
 *   manager proof  = HMAC-SHA256(token, "quanta-manager" | workerNonce | managerNonce | workerId)
 *
 * The labels keep one side's answer from serving as the other's (a fake manager cannot reflect a
 * worker's answer back as its proof); the nonces keep an old answer from being replayed; both
 * bind the worker's identity. Answers are compared in constant time.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutorError, UsageError } from '../../errors.js';

export function tokenPath(submitDir: string): string {
  return join(submitDir, 'token');
}

/**
 * Read the run's token, creating it (0600, exclusive create) when the run has none yet; the
 * submit dir is made first when it does not exist (`run-workflow --submit-dir NEW`).
 */
export function ensureToken(submitDir: string): string {
  const path = tokenPath(submitDir);
  if (!existsSync(path)) {
    try {
      mkdirSync(submitDir, { recursive: true, mode: 0o700 });
      writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      // another process created it between the check and the write: use theirs
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        throw new ExecutorError(
          'TOKEN_UNWRITABLE',
          `cannot create the token file ${path} (${code ?? String(e)}): the submit dir must be writable by you`,
          { file: path },
        );
      }
    }
  }
  chmodSync(path, 0o600);
  return readToken(path);
}

/** Read a token file; user errors (missing, empty) are typed. */
export function readToken(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(
      'TOKEN_UNREADABLE',
      `cannot read the token file ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)}): pass the run's ` +
        `<submitDir>/token with --token-file`,
      { file: path },
    );
  }
  const token = text.trim();
  if (token.length < 16) {
    throw new ExecutorError(
      'TOKEN_EMPTY',
      `the token file ${path} is empty or too short (need at least 16 characters)`,
      {
        file: path,
      },
    );
  }
  return token;
}

export function newNonce(): string {
  return randomBytes(24).toString('hex');
}

function mac(token: string, parts: string[]): string {
  // NUL-separated: no field can shift into another (nonces and ids never hold NUL)
  return createHmac('sha256', token).update(parts.join('\0')).digest('hex');
}

function sameHex(expectedHex: string, gotHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'hex');
  const got = Buffer.from(gotHex, 'hex');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** The worker's answer to the manager's challenge. */
export function answerChallenge(token: string, managerNonce: string, workerId: string): string {
  return mac(token, ['quanta-worker', managerNonce, workerId]);
}

/** Constant-time check of a worker's answer. */
export function verifyAnswer(token: string, managerNonce: string, workerId: string, answer: string): boolean {
  return sameHex(answerChallenge(token, managerNonce, workerId), answer);
}

/** The manager's proof, answering the worker's own challenge (its nonce in the hello). */
export function proveManager(
  token: string,
  workerNonce: string,
  managerNonce: string,
  workerId: string,
): string {
  return mac(token, ['quanta-manager', workerNonce, managerNonce, workerId]);
}

/** Constant-time check, on the worker, of the manager's proof. */
export function verifyManagerProof(
  token: string,
  workerNonce: string,
  managerNonce: string,
  workerId: string,
  proof: string,
): boolean {
  return sameHex(proveManager(token, workerNonce, managerNonce, workerId), proof);
}
