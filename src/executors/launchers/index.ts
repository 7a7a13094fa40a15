// Launchers: how one worker per node of a block is started (see ../launcher.ts).
export { srunLauncher, srunArgv } from './srun.js';
export { noneLauncher } from './none.js';
export type { Launcher, WorkerLaunchSpec } from '../launcher.js';
