/**
 * Per-run secret and the challenge-response that proves a worker knows it. The token lives in
 * `<submitDir>/token` (mode 0600, on the shared filesystem the workers see); it never travels
 * on the wire: the manager sends a random nonce and the worker answers
 * HMAC-SHA256(token, nonce + workerId), which also binds the answer to the worker's identity.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExecutorError, UsageError } from '../../errors.js';

export function tokenPath(submitDir: string): string {
  return join(submitDir, 'token');
}

/** Read the run's token, creating it (0600, exclusive create) when the run has none yet. */
export function ensureToken(submitDir: string): string {
  const path = tokenPath(submitDir);
  if (!existsSync(path)) {
    try {
      writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (e) {
      // another process created it between the check and the write: use theirs
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
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

export function answerChallenge(token: string, nonce: string, workerId: string): string {
  return createHmac('sha256', token).update(`${nonce}${workerId}`).digest('hex');
}

/** Constant-time check of a worker's answer. */
export function verifyAnswer(token: string, nonce: string, workerId: string, answer: string): boolean {
  const expected = Buffer.from(answerChallenge(token, nonce, workerId), 'hex');
  const got = Buffer.from(answer, 'hex');
  return got.length === expected.length && timingSafeEqual(got, expected);
}
