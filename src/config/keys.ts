/**
 * The keys quanta knows. "Used" keys are interpreted and strictly checked (an undefined `${VAR}` or
 * `{name}` in them is an error). bps/gen3_workflow keys that quanta accepts but does not use are
 * passed through: expansion there is best effort, because bps fills some of their `{...}` per job.
 */
export const TOP_LEVEL_USED = [
  'includeConfigs',
  'pipelineYaml',
  'payload',
  'operator',
  'outputRun',
  'submitPath',
  'timestamp',
  'requestMemory',
  'requestCpus',
  'numberOfRetries',
  'memoryMultiplier',
  'requestWalltime',
  'pipetask',
  'parsl_config',
  'lsstBin',
] as const;

/** ctrl_bps / gen3_workflow keys that are accepted without a warning and not used by quanta. */
export const BPS_PASSTHROUGH = [
  'project',
  'campaign',
  'computeSite',
  'site',
  'executionButler',
  'parslConfig',
  'commandPrepend',
  'wmsServiceClass',
  'whenSaveJobQgraph',
  'saveGenericWorkflow',
  'saveDot',
  'saveClusteredQgraph',
  'clusterAlgorithm',
  'cluster',
  'createQuantumGraph',
  'runQuantumCommand',
  'defaultPreCmdOpts',
  'qgraphPreCmdOpts',
  'initPreCmdOpts',
  'runPreCmdOpts',
  'qgraphFileTemplate',
  'executionButlerTemplate',
  'subDirTemplate',
  'templateDataId',
  'useLazyCommands',
  'bpsUseShared',
  'preemptible',
  'requestDisk',
  'qgraphFile',
  'extraQgraphOptions',
  'extraInitOptions',
  'extraRunQuantumOptions',
  'finalJob',
  'environment',
  'bpsEnv',
  'output',
  'outCollection',
  'uniqProcName',
  'description',
  'pipetaskInput',
  'pipetaskOutput',
  'pipetaskDataQuery',
  'extraAggregateOptions',
  'fileDistributionEndPoint',
  'retryUnlessExit',
  'memoryLimit',
];

export const PAYLOAD_USED = ['payloadName', 'butlerConfig', 'inCollection', 'dataQuery', 'outputRun'];
export const PAYLOAD_PASSTHROUGH = ['output', 'outCollection', 'runInit', 'outputRunChain'];

export const RESOURCE_KEYS = [
  'requestMemory',
  'requestCpus',
  'numberOfRetries',
  'memoryMultiplier',
  'requestWalltime',
];
export const PIPETASK_PASSTHROUGH = [
  'runQuantumCommand',
  'requestDisk',
  'preemptible',
  'extraRunQuantumOptions',
];

export const PARSL_KEYS = [
  'retries',
  'monitoring',
  'executor',
  'provider',
  'nodes_per_block',
  'worker_options',
  'walltime',
  'account',
  'qos',
  'constraint',
  'scheduler_options',
  'max_resubmissions',
];

/**
 * Whether a path is interpreted by quanta (strict expansion) or merely passed through (lenient).
 * Strict: the used top-level scalars, `payload.<used>`, `pipetask.<label>.<resource key>`,
 * everything under `parsl_config` and `includeConfigs`.
 */
export function isStrictPath(path: readonly (string | number)[]): boolean {
  const [top, second, third] = path;
  if (typeof top !== 'string') return false;
  if (top === 'payload') return typeof second === 'string' && PAYLOAD_USED.includes(second);
  if (top === 'pipetask') return typeof third === 'string' && RESOURCE_KEYS.includes(third);
  if (top === 'parsl_config' || top === 'includeConfigs') return true;
  return (TOP_LEVEL_USED as readonly string[]).includes(top);
}
