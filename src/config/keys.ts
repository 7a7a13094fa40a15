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

/** bps clustering (cluster-config.ts): read by quanta, expanded leniently (`clusterTemplate` holds `{visit}`). */
export const CLUSTER_TOP_KEYS = ['clusterAlgorithm', 'cluster'];

/** The keys of a `cluster.<name>` section that quanta reads, besides the resource keys. */
export const CLUSTER_KEYS = [
  'pipetasks',
  'dimensions',
  'equalDimensions',
  'partitionDimensions',
  'partitionMaxClusters',
  'partitionMaxSize',
  'clusterTemplate',
  'findDependencyMethod',
  // the LSST path: the cluster's own pipetask run-qbb command (qgraph/lsst/cluster.ts)
  'runQuantumCommand',
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

/**
 * Keys that change what is selected or requested. An unknown key whose "did you mean" is one of
 * these is an error (unless `--allow-unknown-keys`): `dataQeury:` would otherwise build the graph of
 * the whole repository, `requestMemroy:` run every job with the default memory, in silence.
 */
export const SELECTING_KEYS = {
  top: [...TOP_LEVEL_USED, ...CLUSTER_TOP_KEYS, 'output'] as readonly string[],
  payload: [...PAYLOAD_USED, 'output'] as readonly string[],
  pipetask: RESOURCE_KEYS as readonly string[],
  cluster: [...CLUSTER_KEYS, ...RESOURCE_KEYS] as readonly string[],
  parsl_config: PARSL_KEYS.filter((k) => k !== 'monitoring' && k !== 'executor') as readonly string[],
};
