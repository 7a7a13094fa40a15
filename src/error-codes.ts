/**
 * The catalogue of error codes: every code a QuantaError may carry, what kind of mistake it is
 * (which sets the CLI's exit code), and the message it prints ("…" stands for the values filled
 * in). QuantaError takes only these codes, so the compiler refuses an unlisted one; docs/errors.md
 * is generated from this table (`npm run docs:errors`) and a test checks that it is current.
 */

/** What kind of mistake: usage and bad input, something missing, a clash, the environment. */
export type ErrorKind = 'usage' | 'not-found' | 'conflict' | 'environment';

/** The CLI's exit code for each kind (1 is a run whose jobs failed; 0 success). */
export const EXIT_CODES: Readonly<Record<ErrorKind, number>> = {
  usage: 2,
  'not-found': 3,
  conflict: 4,
  environment: 5,
};

export const KIND_MEANING: Readonly<Record<ErrorKind, string>> = {
  usage: 'a bad command line, or a file or expression that needs fixing (YAML, config, query, pipeline)',
  'not-found':
    'something named does not exist: a file, repository, collection, dataset type, run, submit dir',
  conflict:
    'something exists already or disagrees: a repository, record, dataset, a run held by another manager',
  environment:
    'the machine or a service is not as needed: Slurm, the allocation, a database, a port, the workers',
};

export interface ErrorSpec {
  kind: ErrorKind;
  summary: string;
}

export const ERROR_CODES = {
  BAD_CHAINS: { kind: 'usage', summary: '--chains … is not one of ….' },
  BAD_COLLECTION_TYPE: { kind: 'usage', summary: '--collection-type … is not one of ….' },
  BAD_DATA_ID: { kind: 'usage', summary: '--data-id …: "…" is not a dimension;' },
  BAD_GLOB: { kind: 'usage', summary: 'Glob "…" is not valid: ….' },
  BAD_KEY_VALUE: {
    kind: 'usage',
    summary: '… "…" is not NAME=VALUE (NAME: letters, digits and _, not starting with a digit).',
  },
  BAD_LIMIT: { kind: 'usage', summary: '--limit … is not an integer (0 means no limit).' },
  BAD_OPTION: { kind: 'usage', summary: "… must be a port number from 0 to 65535, got '…'" },
  BAD_ORDER_BY: { kind: 'usage', summary: '--order-by …: "…" is not a column of the result;' },
  BAD_TRANSFER: { kind: 'usage', summary: '--transfer … is not one of copy, direct.' },
  BATCH_JOB_ACTIVE: {
    kind: 'conflict',
    summary: 'Slurm job … of this run is … (…): it restores the run itself; wait for it …',
  },
  CLUSTER_COMMAND_FAILED: {
    kind: 'usage',
    summary: "cluster …: quantum … (command …) exited with …; its log is this job's log",
  },
  CLUSTER_FILE: { kind: 'usage', summary: 'cannot read cluster file …: …' },
  CLUSTER_INVALID: {
    kind: 'usage',
    summary: 'cluster …: task label … is in more than one cluster section (… and …);',
  },
  CONFIG_CLUSTER: {
    kind: 'usage',
    summary: 'key "cluster.…": partitionDimensions needs partitionMaxClusters …',
  },
  CONFIG_ENV: { kind: 'usage', summary: 'environment variable \\… is not set…;' },
  CONFIG_INCLUDE_CYCLE: { kind: 'usage', summary: 'includeConfigs cycle: ….' },
  CONFIG_INCLUDE_MISSING: { kind: 'not-found', summary: 'cannot read included config … (…);' },
  CONFIG_MISSING: { kind: 'not-found', summary: 'cannot read submit config … (…).' },
  CONFIG_REF_CYCLE: {
    kind: 'usage',
    summary: 'references {…} in config values refer to each other in a cycle.',
  },
  CONFIG_REF_SECTION: { kind: 'usage', summary: '{…} in key "…" refers to a section (…), not a value.' },
  CONFIG_REF_UNKNOWN: { kind: 'not-found', summary: 'unknown reference {…} in key "…".' },
  CONFIG_SCHEMA: {
    kind: 'usage',
    summary: 'key "payload" must be a mapping (payloadName, butlerConfig, inCollection, dataQuery).',
  },
  CONFIG_UNKNOWN_KEY: {
    kind: 'usage',
    summary:
      'unknown key "…" (did you mean "…"?): quanta ignores unknown keys, and "…" changes what is selected or requested. Fix the key, or pass --allow-unknown-keys to make this a warning.',
  },
  CONFIG_YAML: { kind: 'usage', summary: 'malformed YAML: ….' },
  CONFIRM_NEEDS_TTY: {
    kind: 'usage',
    summary:
      'remove-runs would remove … (…) and asks first, but stdin is not a terminal: pass --no-confirm to remove them without…',
  },
  DASHBOARD_HOST: {
    kind: 'usage',
    summary: 'the dashboard can listen on … only for a known submit directory (its token guards it)',
  },
  DASHBOARD_LISTEN: { kind: 'environment', summary: 'the dashboard cannot listen on …:… (…);' },
  DATABASE_ERROR: {
    kind: 'environment',
    summary: 'a SQLite database (a journal or a registry) failed: … (…); the message says what to check.',
  },
  DATASET_TYPE_MISMATCH: {
    kind: 'conflict',
    summary:
      'dataset type … is declared in … with dimensions […] and storage class …, but the repository … has it with […] and …;',
  },
  DATASTORE_BAD_FILE: { kind: 'usage', summary: '…: not an Arrow IPC file (bad magic bytes)' },
  DATASTORE_BAD_PATH_VALUE: { kind: 'usage', summary: 'data ID value of "…" is empty;' },
  DATASTORE_BAD_RUN: { kind: 'usage', summary: 'run name is empty' },
  DATASTORE_BAD_TEMPLATE: { kind: 'usage', summary: 'path template "…": bad placeholder {…}' },
  DATASTORE_BAD_VALUE: {
    kind: 'usage',
    summary: 'a value to store does not fit its storage class (the message names the dataset and why).',
  },
  DATASTORE_MISSING_FILE: { kind: 'not-found', summary: 'cannot read …: …' },
  DATASTORE_PATH_ESCAPE: { kind: 'usage', summary: 'datastore path contains NUL: …' },
  DATASTORE_UNKNOWN_STORAGE_CLASS: { kind: 'usage', summary: 'no storage class given to read …' },
  DEFINE_VISITS_NO_POINTING: {
    kind: 'usage',
    summary: 'Exposure … of … has no tracking_ra/tracking_dec, so its visit region cannot be computed;',
  },
  DEMO_ARG: { kind: 'usage', summary: '… …: expected an integer from 1${max ?' },
  DEMO_EXISTS: { kind: 'conflict', summary: '… already exists;' },
  DEMO_MISSING: { kind: 'not-found', summary: '… is missing;' },
  DISK_FULL: { kind: 'environment', summary: 'cannot write …: the file system of … is full (…);' },
  EXECUTOR_UNKNOWN: { kind: 'usage', summary: "unknown executor '…' (known: local, pilot)" },
  SPAWNER_UNKNOWN: { kind: 'usage', summary: "QUANTA_SPAWNER is '…'; it takes python or node" },
  EXPORT_COLLECTION: { kind: 'not-found', summary: 'No collection matches "…";' },
  EXPORT_DATASET_TYPE: { kind: 'not-found', summary: 'Dataset type "…" is not registered.' },
  EXPORT_WRITE: { kind: 'usage', summary: 'Cannot write export file …: ….' },
  FILE_NOT_WRITABLE: {
    kind: 'environment',
    summary: 'cannot write … (…): it is on a read-only file system or not writable by you;',
  },
  FIND_FIRST_COLLECTIONS: {
    kind: 'usage',
    summary:
      '--find-first needs --collections naming collections in search order, without globs${opts.collections?.length ?',
  },
  FITS_FORMAT: { kind: 'usage', summary: '…: not a FITS file (no SIMPLE/XTENSION card at byte …)' },
  FITS_HEADER: { kind: 'usage', summary: 'FITS header card …: …' },
  FITS_OPEN: { kind: 'usage', summary: 'cannot open FITS file …: …' },
  FITS_SHAPE: { kind: 'usage', summary: 'FITS HDU …${hdu.name ?' },
  IMPORT_DATASET: { kind: 'usage', summary: '…: … dataset_id values but … data_id values.' },
  IMPORT_FORMAT: { kind: 'usage', summary: '… is not a butler export: it needs a top-level "data" list.' },
  IMPORT_READ: { kind: 'not-found', summary: 'Cannot read export file …: ….' },
  IMPORT_UNKNOWN: {
    kind: 'usage',
    summary:
      'with --strict: the export has elements, fields or entries quanta cannot import (each named with file:line).',
  },
  IMPORT_VERSION: { kind: 'usage', summary: '…: export format version "…" ….' },
  IMPORT_YAML: {
    kind: 'usage',
    summary: 'an export file is not valid YAML (file:line:column of the problem).',
  },
  INGEST_HEADER: { kind: 'usage', summary: 'The FITS header has no … (keyword …);' },
  INGEST_READ: { kind: 'not-found', summary: 'Cannot read a FITS header: …' },
  INPUT_AMBIGUOUS: {
    kind: 'usage',
    summary: 'task …: input … (…) matches … datasets for the quantum … (and … more quanta);',
  },
  INPUT_INVALID: { kind: 'usage', summary: "${pos ? '' :" },
  INPUT_MISSING: {
    kind: 'not-found',
    summary: 'task …: input … is missing for all … candidate quanta, e.g.',
  },
  INPUT_READ: { kind: 'not-found', summary: 'Cannot read … …: ….' },
  INPUT_YAML: { kind: 'usage', summary: 'Not valid YAML: …' },
  INSTRUMENT_DUPLICATE_DETECTOR: { kind: 'conflict', summary: 'Detector id … appears twice.' },
  INSTRUMENT_UNKNOWN: { kind: 'not-found', summary: 'Instrument "…" is not registered in … (no …);' },
  JOURNAL_CORRUPT: {
    kind: 'usage',
    summary:
      'the journal … is damaged: … (truncated, not SQLite, or corrupt); restore it from a backup or move it aside …',
  },
  JOURNAL_EMPTY: {
    kind: 'usage',
    summary: 'the journal … is empty (0 bytes): …; restore it from a backup or move it aside and restore …',
  },
  JOURNAL_MISMATCH: { kind: 'conflict', summary: 'journal of … has … jobs, … has …' },
  JOURNAL_READONLY: {
    kind: 'environment',
    summary: 'cannot … the journal … (…): … is read-only to you …; make it writable or copy the submit dir',
  },
  LEASE_HELD: { kind: 'conflict', summary: 'run … is managed by process … on … since …' },
  LEASE_LOST: { kind: 'conflict', summary: 'another manager took over … (--force);' },
  LSST_CLUSTER_COMMAND: {
    kind: 'usage',
    summary: 'cluster …: its task labels … and … have different runQuantumCommand (… / …);',
  },
  LSST_COMMAND_TEMPLATE: { kind: 'usage', summary: '…: unknown placeholder {…}; quanta fills …' },
  LSST_FINAL_WHEN_RUN: { kind: 'usage', summary: 'finalJob.whenRun: … is not ALWAYS or SUCCESS;' },
  LSST_QGRAPH_FAILED: { kind: 'usage', summary: 'pipetask qgraph for … exited with … after … s: … — fix …' },
  LSST_QGRAPH_NODES: { kind: 'environment', summary: 'reading the quanta of … (python …) exited with …' },
  LSST_STACK_NOT_FOUND: { kind: 'environment', summary: '… is not on PATH (nor under $…/bin);' },
  MANAGER_URL: { kind: 'usage', summary: "--manager '…' is not tcp://HOST:PORT (or HOST:PORT)" },
  NOT_IN_ALLOCATION: {
    kind: 'environment',
    summary: 'not inside a Slurm allocation (SLURM_JOB_ID is not set)',
  },
  NO_DIMENSIONS: {
    kind: 'usage',
    summary: 'query-data-ids needs dimensions, or dataset types (--datasets) to take them from.',
  },
  NO_INPUT_COLLECTIONS: { kind: 'not-found', summary: '…: payload.inCollection is empty;' },
  NO_JOURNAL: { kind: 'not-found', summary: '… is not a submit directory (no journal.sqlite3 in it)' },
  NO_NODELIST: { kind: 'environment', summary: 'job …: SLURM_JOB_NODELIST is not set' },
  NO_QUANTA: { kind: 'not-found', summary: 'task …: the data query… matches no data IDs of […]…;' },
  NO_RUN: { kind: 'not-found', summary: '… holds no run to restore (no journal jobs, no …)' },
  NO_BATCH_SCRIPT: {
    kind: 'not-found',
    summary: '… has neither config.yaml nor quanta.sbatch, so there is no batch script to submit …',
  },
  NO_SUBMIT_CONFIG: {
    kind: 'not-found',
    summary: '… has no config.yaml: give the bps YAML, or a submit dir made by quanta qgraph',
  },
  NO_SUBMIT_DIR: { kind: 'not-found', summary: '--submit-dir … is not a directory' },
  NO_SUBMIT_ROOT: {
    kind: 'not-found',
    summary: "… is not a directory: give the folder your runs' submit dirs are in",
  },
  NO_WORKERS: {
    kind: 'environment',
    summary:
      'no pilot worker joined the manager in time (the message says how many were expected and where their logs are).',
  },
  NO_WORKFLOW: { kind: 'not-found', summary: '… has a journal but no …;' },
  OUTPUT_EXISTS: { kind: 'conflict', summary: 'task …: the output run … already has … for …;' },
  OUTPUT_PATH: { kind: 'usage', summary: 'task …: … was written to …, not the predicted …' },
  OUTPUT_TWICE: { kind: 'conflict', summary: 'task …: two quanta would write … for …;' },
  PIPELINE_CONFIG: {
    kind: 'usage',
    summary:
      'command task "…" config …: … (a command task needs config.argv, config.dimensions and config.connections)',
  },
  PIPELINE_CONFIG_KEY: {
    kind: 'usage',
    summary: 'task "…" config connections.…: ${connNames.includes(n) ? \'must be a dataset type name\' :',
  },
  PIPELINE_CONTRACT: { kind: 'usage', summary: 'contract "…" …' },
  PIPELINE_CYCLE: { kind: 'usage', summary: 'the tasks of a pipeline depend on each other in a cycle.' },
  PIPELINE_DATASET_TYPE: {
    kind: 'usage',
    summary: 'dataset type … has dimensions […] in task "…" but […] in task "…";',
  },
  PIPELINE_DIMENSION: { kind: 'usage', summary: 'step "…" uses unknown dimension "…"${hint ?' },
  PIPELINE_DUPLICATE_LABEL: { kind: 'usage', summary: 'A label is defined twice in a pipeline.' },
  PIPELINE_DUPLICATE_OUTPUT: { kind: 'conflict', summary: 'dataset type … is produced by both "…" and "…";' },
  PIPELINE_EMPTY: { kind: 'usage', summary: 'the pipeline has no tasks' },
  PIPELINE_ENV_VAR: {
    kind: 'usage',
    summary: 'import location "…" uses the environment variable …, which is not set;',
  },
  PIPELINE_IMPORT_CYCLE: { kind: 'usage', summary: 'import cycle: …' },
  PIPELINE_INPUT_DIMENSIONS: {
    kind: 'usage',
    summary: 'task "…" input … (…) has dimensions […] beyond the quantum dimensions […];',
  },
  PIPELINE_INSTRUMENT: {
    kind: 'usage',
    summary:
      'only one instrument can be declared in a pipeline and its imports: …, but … declares … (set instrument: None on the i…',
  },
  PIPELINE_NOT_FOUND: { kind: 'not-found', summary: 'import location "…"${r.value !== spec.location ?' },
  PIPELINE_OUTPUT_DIMENSIONS: {
    kind: 'usage',
    summary: 'task "…" output … (…) has dimensions […] that are not within the quantum dimensions […]',
  },
  PIPELINE_PARAMETER: { kind: 'usage', summary: 'task "…" config … uses undefined parameter "…"${hint ?' },
  PIPELINE_MIXED_TASKS: { kind: 'usage', summary: '…: task "…" is a Python PipelineTask and "…" is not;' },
  PIPELINE_PYTHON_TASK: { kind: 'usage', summary: 'task "…" is the Python PipelineTask …;' },
  PIPELINE_SCHEMA: { kind: 'usage', summary: 'A pipeline file does not have the shape pipe_base reads.' },
  PIPELINE_SELECTION: {
    kind: 'usage',
    summary: "the range selection #… is not supported (it needs the task classes' connections);",
  },
  PIPELINE_STEP: {
    kind: 'usage',
    summary: 'A step of a pipeline is not a subset, or its dimensions are wrong.',
  },
  PIPELINE_SUBSET_LABEL: { kind: 'usage', summary: 'A subset names a label the pipeline does not have.' },
  PIPELINE_UNKNOWN_LABEL: {
    kind: 'usage',
    summary: '"…" in the selection #… is neither a task label nor a subset${hint ?',
  },
  PIPELINE_YAML: { kind: 'usage', summary: 'invalid YAML: …' },
  PREREQUISITE_MISSING: {
    kind: 'not-found',
    summary: 'task …: prerequisite input … is missing for … quanta, e.g.',
  },
  QGRAPH_INCOMPLETE: {
    kind: 'conflict',
    summary:
      '… is not a run: quanta qgraph did not finish writing it (killed?); remove it or run quanta qgraph again.',
  },
  QG_FORMAT: { kind: 'usage', summary: '… is not a quanta QG file (bad magic)' },
  QG_READ: { kind: 'not-found', summary: 'cannot read QG file …: …' },
  QG_VERSION: { kind: 'usage', summary: '… has QG format version …;' },
  QUANTUM_FILE: { kind: 'usage', summary: 'cannot read quantum file …: …' },
  QUERY_BIND: { kind: 'usage', summary: 'A bind parameter is missing or has the wrong type.' },
  QUERY_GOVERNOR_UNCONSTRAINED: {
    kind: 'usage',
    summary: 'The query constrains …, which depends on …, without constraining … itself;',
  },
  QUERY_LIMIT: { kind: 'usage', summary: 'A query limit must be an integer, not ….' },
  QUERY_NAME: { kind: 'usage', summary: 'An unknown dimension, element or field in a query.' },
  QUERY_ORDER_BY: { kind: 'usage', summary: 'an order-by term names no column of the result (or is empty).' },
  QUERY_SPATIAL_AMBIGUOUS: {
    kind: 'usage',
    summary: 'The where clause joins … and … spatially, and the query needs another spatial join as well;',
  },
  QUERY_SPATIAL_UNSUPPORTED: {
    kind: 'usage',
    summary: 'Only one explicit region join of two elements with regions is supported in a where clause;',
  },
  QUERY_SYNTAX: { kind: 'usage', summary: 'A query expression does not parse.' },
  QUERY_TYPE: {
    kind: 'usage',
    summary: 'Operands of a comparison, IN or OVERLAPS have types that do not fit.',
  },
  QUERY_UNSUPPORTED: {
    kind: 'usage',
    summary:
      'A query construct daf_butler accepts that quanta does not evaluate (or does not in that position).',
  },
  REGISTRY_AMBIGUOUS: {
    kind: 'usage',
    summary: 'The PostgreSQL database … holds … quanta repositories (…): add ?namespace=NAME to the URL.',
  },
  REGISTRY_BAD_DATA_ID: {
    kind: 'usage',
    summary: 'Data ID …: "…" must be …, not … (daf_butler refuses it too: the column types do not agree).',
  },
  REGISTRY_BAD_RECORD: { kind: 'usage', summary: 'Dimension record … of "…": ….' },
  REGISTRY_BAD_UUID: { kind: 'usage', summary: 'Dataset id "…" is not a UUID.' },
  REGISTRY_CHAIN_CYCLE: {
    kind: 'usage',
    summary: 'Setting the children of chain "…" to […] would make a cycle: ….',
  },
  REGISTRY_COLLECTION_NAME: { kind: 'usage', summary: 'A collection name must not be empty.' },
  REGISTRY_COLLECTION_TYPE: { kind: 'usage', summary: 'Collection type "…" is not one of ….' },
  REGISTRY_CONNECT: {
    kind: 'environment',
    summary: 'Cannot connect to the PostgreSQL registry of … (…): ….',
  },
  REGISTRY_DATASET_TYPE_CONFLICT: {
    kind: 'conflict',
    summary: 'Dataset type "…" is already registered as …;',
  },
  REGISTRY_DATASET_TYPE_NAME: {
    kind: 'usage',
    summary:
      'Dataset type name "…" is not valid: use letters, digits, "_" and "." (starting with a letter or "_").',
  },
  REGISTRY_DUPLICATE_DATASET: {
    kind: 'conflict',
    summary: 'Run "…" already has a "…" dataset for data ID …${old ?',
  },
  REGISTRY_DUPLICATE_ID: {
    kind: 'conflict',
    summary: 'Dataset id … already exists (a "…" in run "…") with a different type, run or data ID.',
  },
  REGISTRY_DUPLICATE_RECORD: {
    kind: 'conflict',
    summary: 'A "…" record with the same key already exists (…);',
  },
  REGISTRY_INCOMPLETE_DATA_ID: {
    kind: 'usage',
    summary: 'Data ID … of dataset type "…" has no value for "…";',
  },
  REGISTRY_MISSING_PARENT: {
    kind: 'not-found',
    summary: 'A "…" record refers to a dimension record that does not exist (…);',
  },
  REGISTRY_NAMESPACE: {
    kind: 'usage',
    summary: 'Registry namespace "…" in … must be a lower-case SQL identifier (a-z, 0-9, _).',
  },
  REGISTRY_NOT_CHAINED: { kind: 'usage', summary: 'Collection "…" is a … collection, not CHAINED.' },
  REGISTRY_NOT_RUN: { kind: 'usage', summary: 'Collection "…" is …;' },
  REGISTRY_NOT_TAGGED: { kind: 'usage', summary: 'Collection "…" is …;' },
  REGISTRY_NO_REPOSITORY: {
    kind: 'not-found',
    summary:
      'No quanta repository in the PostgreSQL database …; create one with: quanta butler create DIR --registry URL.',
  },
  REGISTRY_NO_COLLECTIONS: {
    kind: 'usage',
    summary: 'Restricting data IDs to those with datasets of … needs collections to search (--collections).',
  },
  REGISTRY_NO_DATASETS: {
    kind: 'not-found',
    summary: '--collections needs --datasets (the dataset types whose data IDs select the records).',
  },
  REGISTRY_OPEN: { kind: 'usage', summary: 'cannot open the output repository …: …' },
  REGISTRY_RECORD_CONFLICT: {
    kind: 'conflict',
    summary: 'The "…" record … conflicts with the one in the registry in ${diffs .map((c) =>',
  },
  REGISTRY_SCHEMA_NEWER: {
    kind: 'usage',
    summary:
      'The registry of … has schema version …, but this quanta understands versions up to …: upgrade quanta to open this rep…',
  },
  REGISTRY_UNIVERSE: {
    kind: 'usage',
    summary: 'The registry of … uses dimension universe "…", not "…": it was made by another tool;',
  },
  REGISTRY_UNKNOWN_COLLECTION: { kind: 'not-found', summary: 'Collection "…" does not exist…;' },
  REGISTRY_UNKNOWN_DATASET_TYPE: { kind: 'not-found', summary: 'Dataset type "…" is not registered…;' },
  REGISTRY_UNKNOWN_DIMENSION: {
    kind: 'usage',
    summary: 'Data ID … has the key "…", which is not a dimension…;',
  },
  REGISTRY_UNKNOWN_ELEMENT: { kind: 'usage', summary: 'Unknown dimension element "…"…;' },
  REGISTRY_UNKNOWN_RUN: {
    kind: 'not-found',
    summary: 'Run "…" does not exist: register it first (registerRun).',
  },
  REGISTRY_URL: { kind: 'usage', summary: 'Registry "…" in … is neither sqlite:FILE nor postgresql://...' },
  REMOVE_CHAINED_RUNS: { kind: 'usage', summary: '${chained.map((r) =>' },
  REPO_CONFIG: { kind: 'usage', summary: '… is not a valid repository config: …' },
  REPO_EXISTS: { kind: 'conflict', summary: '… already holds a repository (…);' },
  REPO_NOT_FOUND: { kind: 'not-found', summary: '… is not a quanta repository (no …);' },
  REQUEST_MEMORY_LABEL: {
    kind: 'usage',
    summary: "--request-memory …=…: no task label '…' in this run (labels: …)",
  },
  RESOURCES_FILE: { kind: 'usage', summary: '--resources …: … (a YAML of pipetask.<label>.requestMemory)' },
  RESOURCES_FILE_MISSING: { kind: 'not-found', summary: '--resources …: no such file' },
  RUN_EXISTS: { kind: 'conflict', summary: '… already holds a run;' },
  SBATCH_OUTPUT: { kind: 'usage', summary: "sbatch printed '…', not a job id" },
  SBATCH_VALUE: { kind: 'usage', summary: 'parsl_config: the value of … contains a line break' },
  SKYMAP_CONFLICT: {
    kind: 'conflict',
    summary: 'Skymap "…" is already registered with a different definition;',
  },
  SKYMAP_DUPLICATE_TRACT: { kind: 'conflict', summary: 'Tract ids must be unique.' },
  SLURM_COMMAND: { kind: 'environment', summary: '… … failed: …' },
  SLURM_MISSING: {
    kind: 'environment',
    summary: '… not found on PATH: run this on a Slurm login or compute node',
  },
  TASK_CONFIG: { kind: 'usage', summary: 'task …: config …: …' },
  TASK_EXPORT_AMBIGUOUS: { kind: 'usage', summary: 'task module … exports … tasks (…);' },
  TASK_EXPORT_NOT_FOUND: { kind: 'not-found', summary: 'task module … … "…" (its tasks: …)' },
  TASK_MODULE_LOAD: { kind: 'usage', summary: 'cannot import task module …: …' },
  TASK_MODULE_NOT_FOUND: { kind: 'not-found', summary: 'task module … does not exist' },
  TASK_OUTPUT_MISSING: { kind: 'not-found', summary: '… returned no value for output connection …' },
  TASK_OUTPUT_SHAPE: { kind: 'usage', summary: '…: output … is multiple;' },
  TOKEN_EMPTY: {
    kind: 'environment',
    summary: 'the token file … is empty or too short (need at least 16 characters)',
  },
  TOKEN_UNREADABLE: { kind: 'environment', summary: "cannot read the token file … (…): pass the run's" },
  TOKEN_UNWRITABLE: {
    kind: 'environment',
    summary: 'cannot create the token file … (…): the submit dir must be writable by you',
  },
  UNKNOWN_LABEL: { kind: 'usage', summary: "--labels: no task label '…' in this run${s ?" },
  WORKFLOW_CYCLE: { kind: 'usage', summary: 'workflow …: jobs form a cycle: …' },
  WORKFLOW_DUPLICATE_JOB: { kind: 'conflict', summary: 'workflow …: job id … appears twice (jobs.…)' },
  WORKFLOW_EMPTY: { kind: 'usage', summary: 'workflow … has no jobs: there is nothing to run;' },
  WORKFLOW_INVALID: { kind: 'usage', summary: 'workflow …: …: …' },
  WORKFLOW_JSON: {
    kind: 'usage',
    summary: 'workflow … is not valid JSON at line …, column … (…);',
  },
  WORKFLOW_NUL_BYTE: { kind: 'usage', summary: 'workflow …: job …: … holds a NUL byte (…);' },
  WORKFLOW_READ: { kind: 'not-found', summary: 'cannot read workflow …: …' },
  WORKFLOW_UNKNOWN_KEY: { kind: 'usage', summary: "workflow …: unknown key '…' (…); did you mean '…'?" },
  WORKFLOW_UNKNOWN_NEED: { kind: 'usage', summary: 'workflow …: job … needs …, which is not a job' },
  WRITE_FAILED: { kind: 'usage', summary: 'cannot write … (…)' },
  YAML_ALIASES: {
    kind: 'usage',
    summary: '…: its aliases (*name) expand to more than … values (a "billion laughs" document?);',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function exitCodeOf(code: ErrorCode): number {
  return EXIT_CODES[ERROR_CODES[code].kind];
}
