import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { defaultTree, formatTimestamp } from './defaults.js';
import { displayPath, keyLocation } from './display.js';
import { explainTree } from './explain.js';
import type { ExplainEntry } from './explain.js';
import { loadWithIncludes } from './includes.js';
import { interpolate } from './interpolate.js';
import { checkRequired, unknownKeyWarnings } from './checks.js';
import { clusteringConfig, type ClusteringConfig } from './cluster-config.js';
import { submitSchema } from './schema.js';
import type { ParsedSubmit } from './schema.js';
import { buildSite } from './site.js';
import type { SiteConfig } from './site.js';
import { getPath, originOf, pathKey, showPath } from './tree.js';
import type { ConfigPath, Origin, Origins, Tree } from './tree.js';

export type { SiteConfig } from './site.js';
export type { ExplainEntry } from './explain.js';

export interface PayloadConfig {
  payloadName: string;
  butlerConfig: string;
  /** comma-separated input collections, as bps writes them */
  inCollection: string;
  dataQuery: string;
  outputRun: string;
}

export interface TaskResources {
  requestMemory: number;
  requestCpus: number;
  numberOfRetries: number;
  memoryMultiplier: number;
  timeoutSec?: number;
}

export interface SubmitConfig {
  /** the submit YAML, absolute */
  file: string;
  /** every file read, in merge order (includes first, the submit YAML last) */
  files: string[];
  /** the merged, expanded config with the YAML's own keys (defaults filled in) */
  raw: Tree;
  payload: PayloadConfig;
  /** "absolute/path/pipeline.yaml#label,subset" */
  pipelineYaml: string;
  operator: string;
  outputRun: string;
  /** absolute */
  submitPath: string;
  timestamp: string;
  /** `pipetask.<label>.<key>`, falling back to the top-level key, then the default */
  resources(label: string): TaskResources;
  site: SiteConfig;
  /** bps `clusterAlgorithm` and `cluster:` sections (cluster-config.ts) */
  clustering: ClusteringConfig;
  /** unknown keys, unused worker options, unexpanded variables in keys quanta ignores */
  warnings: string[];
  /** where every leaf value of `raw` came from */
  sources: ExplainEntry[];
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  now?: Date;
  /** `--allow-unknown-keys`: a misspelt key that changes the selection or a request only warns */
  allowUnknownKeys?: boolean;
}

/** Loads a bps-style submit YAML: includes, `${ENV}`, `{name}`, defaults, validation. */
export async function loadSubmitConfig(path: string, opts: LoadOptions = {}): Promise<SubmitConfig> {
  const env = opts.env ?? process.env;
  const now = opts.now ?? new Date();
  const file = resolve(path);
  const warnings: string[] = [];
  const loaded = loadWithIncludes(file, env, warnings);
  const user = loaded.tree;
  checkRequired(user, loaded.origins, file);
  warnings.push(
    ...unknownKeyWarnings(user, loaded.origins, file, { allowUnknownKeys: opts.allowUnknownKeys }),
  );

  const defaults = defaultTree(user, env, now);
  const origins: Origins = new Map(loaded.origins);
  for (const k of Object.keys(defaults.tree)) {
    if (getPath(user, [k]) !== undefined) continue;
    const o: Origin =
      k === 'operator' && defaults.operatorEnv
        ? { kind: 'default', env: [defaults.operatorEnv] }
        : { kind: 'default' };
    origins.set(pathKey([k]), o);
  }
  const resolved = interpolate({ user, defaults: defaults.tree, origins, topFile: file });
  warnings.push(...resolved.warnings);
  const raw = resolved.tree;
  for (const k of defaults.hidden) delete raw[k];

  // paths in the config are relative to the file that wrote them (submitPath: to the submit YAML)
  const dirOf = (p: ConfigPath): string => {
    const o = originOf(origins, p);
    return o?.kind === 'file' ? dirname(o.file) : dirname(file);
  };
  if (typeof raw.pipelineYaml === 'string')
    raw.pipelineYaml = absolutePipeline(raw.pipelineYaml, dirOf(['pipelineYaml']));
  if (typeof raw.submitPath === 'string') raw.submitPath = resolve(dirname(file), raw.submitPath);
  const payloadRaw = raw.payload as Tree;
  if (typeof payloadRaw.butlerConfig === 'string' && !isUri(payloadRaw.butlerConfig)) {
    payloadRaw.butlerConfig = resolve(dirOf(['payload', 'butlerConfig']), payloadRaw.butlerConfig);
  }
  if (loaded.topIncludes.length > 0) {
    raw.includeConfigs = loaded.topIncludes.map((x) => x.path);
    loaded.topIncludes.forEach((x, i) => origins.set(pathKey(['includeConfigs', i]), x.origin));
  }

  const parsed = validate(raw, origins, file);
  const warn = (key: string, message: string): void => {
    const o = originOf(origins, key.split('.'));
    const where = o?.kind === 'file' ? `${displayPath(o.file)}:${o.line}:${o.column}: ` : '';
    warnings.push(`${where}${key}: ${message}`);
  };
  const site = buildSite(parsed, warn);
  const clustering = clusteringConfig(raw, origins, file, (w) => warnings.push(w));
  const p = parsed.payload;
  const outputRun = p.outputRun ?? parsed.outputRun;
  const payload: PayloadConfig = {
    payloadName: p.payloadName,
    butlerConfig: p.butlerConfig,
    inCollection: Array.isArray(p.inCollection) ? p.inCollection.join(',') : p.inCollection,
    dataQuery: p.dataQuery ?? '',
    outputRun,
  };
  return {
    file,
    files: loaded.files,
    raw,
    payload,
    pipelineYaml: parsed.pipelineYaml,
    operator: parsed.operator,
    outputRun,
    submitPath: parsed.submitPath,
    timestamp: parsed.timestamp || formatTimestamp(now),
    resources: resourceLookup(parsed),
    site,
    clustering,
    warnings,
    sources: explainTree(raw, origins, resolved.refs),
  };
}

function resourceLookup(parsed: ParsedSubmit): (label: string) => TaskResources {
  return (label) => {
    const t = parsed.pipetask?.[label] ?? {};
    const r: TaskResources = {
      requestMemory: t.requestMemory ?? parsed.requestMemory,
      requestCpus: t.requestCpus ?? parsed.requestCpus,
      numberOfRetries: t.numberOfRetries ?? parsed.numberOfRetries,
      memoryMultiplier: t.memoryMultiplier ?? parsed.memoryMultiplier,
    };
    const timeout = t.requestWalltime ?? parsed.requestWalltime;
    if (timeout !== undefined) r.timeoutSec = timeout;
    return r;
  };
}

function isUri(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
}

function absolutePipeline(value: string, base: string): string {
  const hash = value.indexOf('#');
  const path = hash < 0 ? value : value.slice(0, hash);
  const rest = hash < 0 ? '' : value.slice(hash);
  return (isAbsolute(path) || isUri(path) ? path : resolve(base, path)) + rest;
}

function validate(raw: Tree, origins: Origins, file: string): ParsedSubmit {
  const r = submitSchema.safeParse(raw);
  if (r.success) return r.data;
  throw issueError(r.error.issues[0], raw, origins, file);
}

function issueError(issue: z.core.$ZodIssue, raw: Tree, origins: Origins, file: string): ConfigError {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const key = showPath(path);
  const o = originOf(origins, path);
  const loc = keyLocation(o, file);
  const value = getPath(raw, path);
  if (value === undefined) {
    return new ConfigError('CONFIG_SCHEMA', `missing required key "${key}"; add it to the submit config.`, {
      ...loc,
      key,
    });
  }
  const shown = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  const fromDefault = o?.kind === 'default' ? ' (a quanta default)' : '';
  return new ConfigError('CONFIG_SCHEMA', `key "${key}": ${issue.message}, got ${shown}${fromDefault}.`, {
    ...loc,
    key,
  });
}
