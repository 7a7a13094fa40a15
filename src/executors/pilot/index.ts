// The pilot executor: a manager in the batch job, one worker per node, JSON lines over TCP.
export { createPilotExecutor } from './manager.js';
export type { PilotExecutor, PilotExecutorOptions, PilotWorker } from './options.js';
export { runWorker, WORKER_EXIT } from './worker.js';
export type { WorkerOptions } from './worker.js';
export { ensureToken, readToken, tokenPath, answerChallenge, verifyAnswer } from './auth.js';
export { detectWorkerBudget, budgetFromNodeMemory, memoryReserveMB } from './resources.js';
export type { WorkerBudget } from './resources.js';
export { planWorkers } from './plan.js';
export { defaultWorkerCommand, workerArgv } from './launch.js';
export type { WorkerLaunchSpec } from '../launcher.js';
export { createPilotLog, pilotDir } from './pilot-log.js';
export type { PilotLog } from './pilot-log.js';
export { parseManagerUrl, formatManagerUrl, PROTOCOL_VERSION } from './protocol.js';
