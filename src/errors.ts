/**
 * Errors a user can cause are values of these classes: a stable `code`, and a message that
 * names the file, line, column, key or data ID to fix. The CLI prints them without a stack.
 * Anything else that is thrown is a programming error and crashes loudly.
 */
export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  key?: string;
}

export class QuantaError extends Error {
  readonly code: string;
  readonly location: ErrorLocation;

  constructor(code: string, message: string, location: ErrorLocation = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.location = location;
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
