import { ConfigError, type ErrorCode } from '../errors.js';
import { didYouMean } from '../util/levenshtein.js';
import { displayPath } from './display.js';
import { isStrictPath } from './keys.js';
import { getPath, isMapping, leaves, originOf, pathKey, showPath } from './tree.js';
import type { ConfigPath, Origins, Tree } from './tree.js';

/** `{name}` or `{section.name}`; any other brace (JSON, `{ x }`, `{}`) is literal text. */
const REF = /\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}/g;

export interface InterpolateInput {
  /** user keys (all files merged) */
  user: Tree;
  /** top-level defaults; they apply where the user did not set the key */
  defaults: Tree;
  origins: Origins;
  /** the submit YAML, for errors about defaults */
  topFile: string;
}

export interface InterpolateResult {
  tree: Tree;
  /** per leaf path key: the `{names}` substituted into it */
  refs: Map<string, string[]>;
  warnings: string[];
}

/**
 * Substitutes `{name}` references from the config itself, recursively, with cycle detection.
 * A name is looked up in the sections enclosing the value (innermost first), then at the top
 * level, then in `payload`, then among the defaults: so `payload.outputRun` wins over the default
 * `outputRun`, as in bps. Dotted names (`{payload.payloadName}`) are paths from the top.
 */
export function interpolate(input: InterpolateInput): InterpolateResult {
  const tree = structuredClone(input.user);
  for (const [k, v] of Object.entries(input.defaults)) if (!Object.hasOwn(tree, k)) tree[k] = v;
  const r = new Resolver(tree, input);
  for (const [path] of leaves(tree)) r.resolvePath(path);
  return { tree: r.output(), refs: r.refs, warnings: r.warnings };
}

class Resolver {
  readonly refs = new Map<string, string[]>();
  readonly warnings: string[] = [];
  private readonly done = new Map<string, unknown>();
  private readonly stack: string[] = [];

  constructor(
    private readonly tree: Tree,
    private readonly input: InterpolateInput,
  ) {}

  output(): Tree {
    const out = structuredClone(this.tree);
    for (const [k, v] of this.done) setPath(out, k.split('\u0000').map(toSeg), v);
    return out;
  }

  private isUser(path: ConfigPath): boolean {
    return getPath(this.input.user, path) !== undefined;
  }

  private isDefault(path: ConfigPath): boolean {
    return path.length === 1 && !this.isUser(path) && Object.hasOwn(this.input.defaults, path[0] as string);
  }

  /**
   * Resolves the value at `path` (memoised). Strictness belongs to the path, not to whoever asks:
   * in keys quanta uses, unknown references are errors even when a pass-through key reached them first.
   */
  resolvePath(path: ConfigPath): unknown {
    const key = pathKey(path);
    if (this.done.has(key)) return this.done.get(key);
    const raw = getPath(this.tree, path);
    if (typeof raw !== 'string' || !raw.includes('{')) return raw;
    if (this.stack.includes(key)) {
      const keys = [...this.stack.slice(this.stack.indexOf(key)), key];
      const cycle = keys.map((k) => showPath(k.split('\u0000'))).join(' -> ');
      const message = `reference cycle: ${cycle}. Break the cycle by giving one of these keys a literal value.`;
      const err = this.error(path, 'CONFIG_REF_CYCLE', message);
      // a cycle among pass-through keys only (bps command templates) does not stop quanta
      if (keys.every((k) => !this.isStrict(k.split('\u0000')))) {
        this.warnings.push(
          `${err.where()}: ${message} The text is left unexpanded (quanta does not use these keys).`,
        );
        return undefined;
      }
      throw err;
    }
    this.stack.push(key);
    try {
      const value = this.substitute(raw, path, this.isStrict(path));
      this.done.set(key, value);
      return value;
    } finally {
      this.stack.pop();
    }
  }

  private isStrict(path: ConfigPath): boolean {
    return isStrictPath(path) || this.isDefault(path);
  }

  private substitute(raw: string, path: ConfigPath, strict: boolean): unknown {
    const used: string[] = [];
    const scope = scopeOf(path);
    const whole = raw.match(/^\{([A-Za-z_][A-Za-z0-9_.]*)\}$/);
    const one = (name: string): unknown => {
      const target = this.lookup(name, scope);
      if (!target) {
        if (!strict) return undefined;
        const known = leaves(this.tree).map(([p]) => showPath(p));
        const near = didYouMean(
          name,
          [...known, ...Object.keys(this.tree)].filter((k) => k !== name),
        );
        throw this.error(
          path,
          'CONFIG_REF_UNKNOWN',
          `unknown reference {${name}} in key "${showPath(path)}"${near ? ` (did you mean {${near}}?)` : ''}. Define ${name} in the config (or in payload) or remove the reference.`,
        );
      }
      const v = this.resolvePath(target);
      if (v === undefined) return undefined;
      if (isMapping(v) || Array.isArray(v)) {
        throw this.error(
          path,
          'CONFIG_REF_SECTION',
          `{${name}} in key "${showPath(path)}" refers to a section (${showPath(target)}), not a value.`,
        );
      }
      used.push(name);
      return v;
    };
    let result: unknown;
    if (whole) {
      // a value that is exactly one reference keeps the referenced type (numbers stay numbers)
      const v = one(whole[1]);
      result = v === undefined ? raw : v;
    } else {
      result = raw.replace(REF, (text, name: string) => {
        const v = one(name);
        return v === undefined ? text : String(v);
      });
    }
    if (used.length > 0) this.refs.set(pathKey(path), used);
    return result;
  }

  private lookup(name: string, scope: ConfigPath): ConfigPath | undefined {
    // sections are found too, so that `{payload}` is reported as a section rather than unknown
    const isValue = (p: ConfigPath): boolean => {
      const v = getPath(this.tree, p);
      return v !== undefined && v !== null;
    };
    if (name.includes('.')) {
      const p = name.split('.');
      return isValue(p) ? p : undefined;
    }
    for (let n = scope.length; n >= 1; n--) {
      const p = [...scope.slice(0, n), name];
      if (this.isUser(p) && isValue(p)) return p;
    }
    if (this.isUser([name]) && isValue([name])) return [name];
    if (this.isUser(['payload', name]) && isValue(['payload', name])) return ['payload', name];
    if (this.isDefault([name])) return [name];
    return undefined;
  }

  private error(path: ConfigPath, code: ErrorCode, message: string): ConfigError {
    const o = originOf(this.input.origins, path);
    if (o?.kind === 'file') {
      return new ConfigError(code, message, {
        file: displayPath(o.file),
        line: o.line,
        column: o.column,
        key: showPath(path),
      });
    }
    return new ConfigError(code, `${message} (the value is a quanta default)`, {
      file: displayPath(this.input.topFile),
      key: showPath(path),
    });
  }
}

/** The mapping that holds a value: its path minus the key and any list indices. */
function scopeOf(path: ConfigPath): ConfigPath {
  let n = path.length;
  while (n > 0 && typeof path[n - 1] === 'number') n--;
  return path.slice(0, Math.max(0, n - 1));
}

function toSeg(s: string): string | number {
  return /^\d+$/.test(s) ? Number(s) : s;
}

function setPath(tree: Tree, path: (string | number)[], value: unknown): void {
  let cur: unknown = tree;
  for (let i = 0; i < path.length - 1; i++) cur = (cur as Record<string | number, unknown>)[path[i]];
  (cur as Record<string | number, unknown>)[path[path.length - 1]] = value;
}
