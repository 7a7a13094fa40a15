/**
 * Errors a user can cause are values of these classes: a code from the catalogue
 * (error-codes.ts, which also gives the exit code), and a message that names the file, line,
 * column, key or data ID to fix. The CLI prints them without a stack. Anything else that is
 * thrown is a programming error and crashes loudly.
 */
import { exitCodeOf, type ErrorCode } from './error-codes.js';
import { maskPasswords } from './util/redact.js';

export type { ErrorCode } from './error-codes.js';

export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  key?: string;
}

/** Where the error is, and the error that caused it (kept as the standard `cause`). */
export interface ErrorOptions extends ErrorLocation {
  cause?: unknown;
}

export class QuantaError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    const { cause, ...location } = options;
    // a message may quote a registry URL: its password is never shown
    super(maskPasswords(message), cause === undefined ? undefined : { cause });
    this.name = new.target.name;
    this.code = code;
    this.location = location;
  }

  /** The CLI's exit code for this error (docs/errors.md). */
  get exitCode(): number {
    return exitCodeOf(this.code);
  }

  /** `file:line:column` (as much as is known), or '' */
  where(): string {
    const { file, line, column } = this.location;
    if (!file) return '';
    return [file, line, line !== undefined ? column : undefined].filter((x) => x !== undefined).join(':');
  }
}

export class ConfigError extends QuantaError {}
export class RegistryError extends QuantaError {}
export class DatastoreError extends QuantaError {}
export class QueryError extends QuantaError {}
export class PipelineError extends QuantaError {}
export class GraphError extends QuantaError {}
export class EngineError extends QuantaError {}
export class ExecutorError extends QuantaError {}
export class UsageError extends QuantaError {}

export function isQuantaError(e: unknown): e is QuantaError {
  return e instanceof QuantaError;
}
