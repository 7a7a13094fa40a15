/**
 * The error catalogue: docs/errors.md is what the catalogue renders, every code is UPPER_SNAKE
 * with a message, each kind has its own exit code, and the CLI exits with it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, EXIT_CODES, exitCodeOf } from '../src/error-codes.js';
import { RegistryError } from '../src/errors.js';
import { ERRORS_DOC, renderErrorsDoc } from '../scripts/errors-doc.js';

const cli = fileURLToPath(new URL('../bin/quanta.js', import.meta.url));

describe('the error-code catalogue', () => {
  it('is what docs/errors.md shows (run `npm run docs:errors` after changing it)', () => {
    expect(readFileSync(ERRORS_DOC, 'utf8')).toBe(renderErrorsDoc());
  });

  it('has UPPER_SNAKE codes, each with a message, and one exit code per kind', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(spec.summary.length, code).toBeGreaterThan(10);
    }
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(0);
    expect(codes).not.toContain(1);
  });

  it('keeps the cause and derives the exit code from the kind', () => {
    const cause = new Error('disk full');
    const e = new RegistryError('REPO_NOT_FOUND', 'no repository here', { file: '/x', cause });
    expect(e.cause).toBe(cause);
    expect(e.location).toEqual({ file: '/x' });
    expect(e.exitCode).toBe(exitCodeOf('REPO_NOT_FOUND'));
    expect(exitCodeOf('REPO_NOT_FOUND')).toBe(EXIT_CODES['not-found']);
    expect(exitCodeOf('REPO_EXISTS')).toBe(EXIT_CODES.conflict);
  });

  it('is what the CLI exits with: not found, conflict, usage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quanta-errors-'));
    const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    const missing = run('butler', 'query-collections', join(dir, 'nothing'));
    expect(missing.stderr).toMatch(/^quanta: error \[REPO_NOT_FOUND\]/);
    expect(missing.status).toBe(3);
    expect(run('butler', 'create', join(dir, 'repo')).status).toBe(0);
    const again = run('butler', 'create', join(dir, 'repo'));
    expect(again.stderr).toMatch(/\[REPO_EXISTS\]/);
    expect(again.status).toBe(4);
    const bad = run('butler', 'query-data-ids', join(dir, 'repo'), 'visit', '--where', 'visit = = 3');
    expect(bad.stderr).toMatch(/\[QUERY_SYNTAX\]/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(bad.status).toBe(2);
  }, 60_000);
});
