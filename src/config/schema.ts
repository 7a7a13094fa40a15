import { z } from 'zod';
import { booleanLike, numberLike, parseMemoryMB, parseSeconds, parseSlurmTime } from './units.js';

/** Schemas of the keys quanta interprets; checked after every substitution is done. */
const memoryMB = z.preprocess(
  (v) => parseMemoryMB(v) ?? v,
  z
    .number({ error: 'expected a memory size in MB (e.g. 4096 or "4GB")' })
    .positive({ error: 'must be more than 0 MB' }),
);
const cpus = z.preprocess(
  numberLike,
  z.number({ error: 'expected a number of cores' }).positive({ error: 'must be more than 0' }),
);
const count = z.preprocess(
  numberLike,
  z
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .min(0, { error: 'must be 0 or more' }),
);
const positiveInt = z.preprocess(
  numberLike,
  z
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .min(1, { error: 'must be 1 or more' }),
);
const multiplier = z.preprocess(
  numberLike,
  z.number({ error: 'expected a number' }).min(1, { error: 'must be 1 or more' }),
);
const seconds = z.preprocess(
  (v) => parseSeconds(v) ?? v,
  z
    .number({ error: 'expected seconds (a number) or "HH:MM:SS"' })
    .positive({ error: 'must be more than 0 seconds' }),
);
const slurmTime = z
  .union([z.string(), z.number()], { error: 'expected a Slurm time such as "15:00:00" or "1-00:00:00"' })
  .refine((v) => parseSlurmTime(v) !== undefined, {
    error: 'expected a Slurm time such as "15:00:00" or "1-00:00:00"',
  });
const text = z.preprocess(
  (v) => (typeof v === 'number' ? String(v) : v),
  z.string({ error: 'expected a string' }),
);

export const resourceSchema = z.looseObject({
  requestMemory: memoryMB.optional(),
  requestCpus: cpus.optional(),
  numberOfRetries: count.optional(),
  memoryMultiplier: multiplier.optional(),
  requestWalltime: seconds.optional(),
});

export const payloadSchema = z.looseObject({
  payloadName: z.string({ error: 'expected a name (a string)' }).min(1, { error: 'must not be empty' }),
  butlerConfig: z
    .string({ error: 'expected a repository path or URL (a string)' })
    .min(1, { error: 'must not be empty' }),
  // bps gives a comma-separated string; a YAML list is accepted too
  inCollection: z.union([z.string(), z.array(z.string())], {
    error: 'expected a collection name or a list of them',
  }),
  dataQuery: z.string({ error: 'expected a query expression (a string)' }).optional(),
  outputRun: z.string().min(1).optional(),
});

export const parslSchema = z.looseObject({
  retries: count.optional(),
  monitoring: z.preprocess(booleanLike, z.boolean({ error: 'expected true or false' })).optional(),
  executor: text.optional(),
  provider: z
    .preprocess(
      (v) =>
        typeof v === 'string'
          ? (({ local: 'Local', slurm: 'Slurm' } as Record<string, string>)[v.toLowerCase()] ?? v)
          : v,
      z.enum(['Local', 'Slurm'], { error: 'expected Local or Slurm' }),
    )
    .optional(),
  nodes_per_block: positiveInt.optional(),
  worker_options: text.optional(),
  walltime: slurmTime.optional(),
  account: text.optional(),
  qos: text.optional(),
  constraint: text.optional(),
  scheduler_options: text.optional(),
  max_resubmissions: count.optional(),
});

export const submitSchema = z.looseObject({
  pipelineYaml: z.string({ error: 'expected "path/to/pipeline.yaml#label,subset" (a string)' }).min(1),
  payload: payloadSchema,
  operator: text.pipe(z.string().min(1)),
  outputRun: z.string({ error: 'expected a run collection name' }).min(1),
  submitPath: z.string({ error: 'expected a directory path' }).min(1),
  timestamp: text,
  requestMemory: memoryMB,
  requestCpus: cpus,
  numberOfRetries: count,
  memoryMultiplier: multiplier,
  requestWalltime: seconds.optional(),
  pipetask: z
    .record(z.string(), resourceSchema.nullable(), { error: 'expected a mapping of task labels' })
    .optional(),
  parsl_config: parslSchema.optional(),
});

export type ParsedSubmit = z.infer<typeof submitSchema>;
