/**
 * The task SDK: `defineTask` declares a PipelineTask in TypeScript (typed config with defaults,
 * connections, quantum dimensions and a `run` function). The result is a plain branded object,
 * so a task module that imports 'quanta' from dist/ and a runner loaded from src/ agree on what
 * a task is (no `instanceof` across copies of the package).
 */
import { z } from 'zod';

/** A dataset connection of a task. */
export interface Conn {
  /** dataset type name, e.g. `calexp` */
  datasetType: string;
  /** the dataset type's dimensions, e.g. `['instrument', 'visit', 'detector']` */
  dimensions: string[];
  /** `Exposure`, `Catalog`, `StructuredData`, `Plot`, ... */
  storageClass: string;
  /** many data IDs feed one quantum (a gather); the value is an array of `{dataId, value}` */
  multiple?: boolean;
  /** inputs only: the task receives lazy handles `{dataId, load()}` instead of loaded values */
  deferLoad?: boolean;
}

export interface TaskConnections {
  inputs?: Record<string, Conn>;
  prerequisiteInputs?: Record<string, Conn>;
  outputs: Record<string, Conn>;
}

export type DataId = Record<string, string | number>;

/** A lazily loaded input (connections with `deferLoad: true`). */
export interface DeferredHandle<T = unknown> {
  dataId: DataId;
  load(): Promise<T>;
}

/** One element of a `multiple` connection's value. */
export interface DataIdValue<T = unknown> {
  dataId: DataId;
  value: T;
}

export interface TaskLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface RunArgs<Config> {
  /** per connection: the value, an array of `{dataId, value}` (multiple), or lazy handles (deferLoad) */
  inputs: Record<string, unknown>;
  config: Config;
  /** the quantum's data ID (its quantum dimensions plus implied ones) */
  dataId: DataId;
  log: TaskLogger;
}

/** Per output connection: the value, or for `multiple` outputs an array of `{dataId, value}`. */
export type RunOutputs = Record<string, unknown>;

export interface TaskSpec<C extends z.ZodObject = z.ZodObject> {
  /** a name for messages and docs, e.g. `IsrTask` */
  name: string;
  /** zod object schema; every field should have a default so an empty config is valid */
  config?: C;
  /** quantum dimensions: one quantum per data ID of these dimensions */
  dimensions: string[];
  connections: TaskConnections;
  run(args: RunArgs<z.output<C>>): Promise<RunOutputs> | RunOutputs;
}

export const TASK_BRAND: unique symbol = Symbol.for('quanta.task') as never;

export interface TaskDefinition<C extends z.ZodObject = z.ZodObject> extends TaskSpec<C> {
  config: C;
  readonly [TASK_BRAND]: true;
}

const connSchema = z.object({
  datasetType: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_.]*$/, 'a dataset type name (letters, digits, _ and .)'),
  dimensions: z.array(z.string()),
  storageClass: z.string().min(1),
  multiple: z.boolean().optional(),
  deferLoad: z.boolean().optional(),
});

const specSchema = z.object({
  name: z.string().min(1),
  dimensions: z.array(z.string()),
  connections: z.object({
    inputs: z.record(z.string(), connSchema).optional(),
    prerequisiteInputs: z.record(z.string(), connSchema).optional(),
    outputs: z.record(z.string(), connSchema),
  }),
});

/**
 * Declare a task. Checks the declaration's shape right away (a malformed task fails when its
 * module is imported, not in the middle of a run).
 *
 * @example
 * ```ts
 * import { defineTask } from 'quanta';
 * import { z } from 'zod';
 *
 * export const isr = defineTask({
 *   name: 'IsrTask',
 *   config: z.object({ doBias: z.boolean().default(true) }),
 *   dimensions: ['instrument', 'exposure', 'detector'],
 *   connections: {
 *     inputs: { ccdExposure: { datasetType: 'raw', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'Exposure' } },
 *     outputs: { outputExposure: { datasetType: 'postISRCCD', dimensions: ['instrument', 'exposure', 'detector'], storageClass: 'Exposure' } },
 *   },
 *   async run({ inputs, config }) {
 *     const raw = inputs.ccdExposure as Exposure;
 *     return { outputExposure: config.doBias ? subtractBias(raw) : raw };
 *   },
 * });
 * ```
 */
export function defineTask<C extends z.ZodObject = z.ZodObject<Record<string, never>>>(
  spec: TaskSpec<C>,
): TaskDefinition<C> {
  const checked = specSchema.safeParse(spec);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new TypeError(`defineTask(${spec?.name ?? '?'}): ${issue.path.join('.')}: ${issue.message}`);
  }
  if (typeof spec.run !== 'function') throw new TypeError(`defineTask(${spec.name}): run must be a function`);
  const names = new Set<string>();
  const conns = spec.connections;
  for (const group of [conns.inputs, conns.prerequisiteInputs, conns.outputs]) {
    for (const name of Object.keys(group ?? {})) {
      if (names.has(name))
        throw new TypeError(`defineTask(${spec.name}): connection name ${name} used twice`);
      names.add(name);
    }
  }
  const config = (spec.config ?? z.object({})) as C;
  return Object.freeze({ ...spec, config, [TASK_BRAND]: true as const });
}

/** True for objects made by `defineTask` (from any copy of the package). */
export function isTaskDefinition(value: unknown): value is TaskDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[Symbol.for('quanta.task')] === true
  );
}
