/**
 * The CLI's exit code must be the one the catalogue gives the code it printed
 * (`quanta: error [CODE] ...`, src/error-codes.ts): 2 usage, 3 not found, 4 conflict, 5 environment.
 */
import { expect } from 'vitest';
import { ERROR_CODES, exitCodeOf, type ErrorCode } from '../../src/error-codes.js';

export function printedCode(stderr: string): ErrorCode {
  const m = /quanta: error \[([A-Z0-9_]+)\]/.exec(stderr);
  expect(m, `no "quanta: error [CODE]" line in: ${stderr}`).not.toBeNull();
  const code = m![1];
  expect(Object.keys(ERROR_CODES), `unknown code ${code}`).toContain(code);
  return code as ErrorCode;
}

/** The status is the printed code's exit code, and that is a user error's (2 to 5). */
export function expectCatalogueExit(status: number | null, stderr: string, what = ''): ErrorCode {
  const code = printedCode(stderr);
  expect(status, `${what} (${code})`).toBe(exitCodeOf(code));
  return code;
}
