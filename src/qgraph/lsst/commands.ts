/**
 * The commands of an LSST run, as bps writes them (ctrl_bps's bps_defaults.yaml): a template
 * string per job kind with `{name}` placeholders, turned into an argv array per job. The submit
 * YAML's own `createQuantumGraph`, `pipetask.pipetaskInit.runQuantumCommand`,
 * `pipetask.<label>.runQuantumCommand` / `runQuantumCommand` and `finalJob.command1` win over
 * the defaults below, which are bps's with the executables of the user's stack (stack.ts).
 *
 * Expansion: the template is split into words first (words.ts); an *option* placeholder
 * (`{runPreCmdOpts}`, `{pipetaskInput}`, `{extraRunQuantumOptions}`, ...) is text that is split
 * into words itself; a *value* placeholder (`{qgraphFile}`, `{butlerConfig}`, `{qgraphNodeId}`,
 * `{dataQuery}`, ...) stays inside its word, so paths and queries with spaces survive.
 */
import { ConfigError } from '../../errors.js';
import type { LsstStack } from './stack.js';
import { splitWords } from './words.js';

/** bps's defaults (ctrl_bps etc/bps_defaults.yaml), with `{pipetaskExe}`/`{butlerExe}` for the stack. */
export const DEFAULT_TEMPLATES = {
  createQuantumGraph:
    '{pipetaskExe} {qgraphPreCmdOpts} qgraph --butler-config {butlerConfig} {pipetaskInput} {pipetaskOutput} --output-run {outputRun} --pipeline {pipelineYaml} --save-qgraph {qgraphFile} --qgraph-datastore-records {pipetaskDataQuery} {extraQgraphOptions}',
  pipetaskInit:
    '{pipetaskExe} {initPreCmdOpts} pre-exec-init-qbb {butlerConfig} {fileDistributionEndPoint}{qgraphFile} {extraInitOptions}',
  runQuantum:
    '{pipetaskExe} {runPreCmdOpts} run-qbb {butlerConfig} {fileDistributionEndPoint}{qgraphFile} --qgraph-node-id {qgraphNodeId} {extraRunQuantumOptions}',
  finalJob:
    '{butlerExe} {finalPreCmdOpts} aggregate-graph {fileDistributionEndPoint}{qgraphFile} {butlerConfig} -j {requestCpus} --register-dataset-types {updateOutputChain} {extraAggregateOptions}',
} as const;

/** The final job of older stacks (before aggregate-graph), as their bps_defaults.yaml had it. */
export const TRANSFER_FROM_GRAPH =
  '{butlerExe} {finalPreCmdOpts} transfer-from-graph {fileDistributionEndPoint}{qgraphFile} {butlerConfig} --register-dataset-types {updateOutputChain} {extraAggregateOptions}';

/** Placeholders whose value is a string of options, split into words where they stand. */
const OPTION_DEFAULTS: Record<string, string> = {
  defaultPreCmdOpts: '--long-log --log-level=VERBOSE',
  qgraphPreCmdOpts: '{defaultPreCmdOpts}',
  initPreCmdOpts: '{defaultPreCmdOpts}',
  runPreCmdOpts: '{defaultPreCmdOpts}',
  finalPreCmdOpts: '{defaultPreCmdOpts}',
  pipetaskInput: '-i {inCollection}',
  pipetaskOutput: '-o {output}',
  extraQgraphOptions: '',
  extraInitOptions: '',
  extraRunQuantumOptions: '',
  extraAggregateOptions: '',
  updateOutputChain: '--update-output-chain',
};

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface CommandValues {
  /** value placeholders: qgraphFile, butlerConfig, outputRun, output, inCollection, pipelineYaml, dataQuery, ... */
  values: Record<string, string>;
  /** option placeholders the submit YAML sets (they win over OPTION_DEFAULTS) */
  options: Record<string, string>;
  stack: LsstStack;
}

/** A command template and the config key it came from (for messages). */
export interface Template {
  text: string;
  key: string;
}

/**
 * Expand a template to an argv array.
 *
 * @example
 * ```ts
 * expandCommand({ text: DEFAULT_TEMPLATES.runQuantum, key: 'runQuantumCommand' }, { ...vals, values: { ...vals.values, qgraphNodeId: id } });
 * // ['/venv/bin/pipetask', '--long-log', '--log-level=VERBOSE', 'run-qbb', '/repo', '/submit/lsst.qg', '--qgraph-node-id', id]
 * ```
 */
export function expandCommand(t: Template, v: CommandValues): string[] {
  const dataQuery = v.values.dataQuery ?? '';
  const optionWords = (name: string, depth: number): string[] | undefined => {
    if (name === 'pipetaskDataQuery' && v.options.pipetaskDataQuery === undefined)
      return dataQuery ? ['-d', dataQuery] : [];
    const text = v.options[name] ?? OPTION_DEFAULTS[name];
    return text === undefined ? undefined : expandWords(splitWords(text, t.key), depth + 1);
  };
  const expandWords = (words: string[], depth: number): string[] => {
    if (depth > 8) throw templateError(t, 'placeholders refer to each other in a cycle');
    const out: string[] = [];
    for (const w of words) {
      const whole = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(w);
      const opt = whole ? optionWords(whole[1], depth) : undefined;
      if (opt) {
        out.push(...opt);
        continue;
      }
      let onlyPlaceholders = true;
      const replaced = w.replace(PLACEHOLDER, (_m, name: string) => {
        const value = valueOf(name, v);
        if (value !== undefined) return value;
        const o = optionWords(name, depth);
        if (o !== undefined) return o.join(' ');
        throw templateError(t, `unknown placeholder {${name}}; quanta fills ${knownNames(v).join(', ')}`);
      });
      if (w.replace(PLACEHOLDER, '') !== '') onlyPlaceholders = false;
      if (replaced === '' && onlyPlaceholders) continue;
      out.push(replaced);
    }
    return out;
  };
  // a ${VAR} left in the template: the config loader could not expand it (it warned)
  const unset = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(t.text);
  if (unset) {
    throw templateError(
      t,
      `environment variable \${${unset[1]}} is not set; set it, or remove the key to use quanta's default, which runs the stack found on ${v.stack.source}`,
    );
  }
  const argv = expandWords(splitWords(t.text, t.key), 0);
  if (argv.length === 0) throw templateError(t, 'the command is empty');
  // a bare `pipetask` / `butler` runs the stack quanta found, on every node
  if (argv[0] === 'pipetask') argv[0] = v.stack.pipetask;
  else if (argv[0] === 'butler') argv[0] = v.stack.butler;
  return argv;
}

function valueOf(name: string, v: CommandValues): string | undefined {
  if (name === 'pipetaskExe') return v.stack.pipetask;
  if (name === 'butlerExe') return v.stack.butler;
  if (name === 'fileDistributionEndPoint') return v.values.fileDistributionEndPoint ?? '';
  return v.values[name];
}

function knownNames(v: CommandValues): string[] {
  return [
    ...new Set([...Object.keys(v.values), ...Object.keys(OPTION_DEFAULTS), 'pipetaskDataQuery']),
  ].sort();
}

function templateError(t: Template, why: string): ConfigError {
  return new ConfigError('LSST_COMMAND_TEMPLATE', `${t.key}: ${why} (command: ${JSON.stringify(t.text)})`, {
    key: t.key,
  });
}
