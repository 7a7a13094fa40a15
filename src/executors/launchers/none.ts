/**
 * The `none` launcher (Parsl's SimpleLauncher): the worker command runs as it is, as a process
 * of this machine. With the local provider this gives a pilot whose workers are local processes
 * (tests, a laptop); the worker still authenticates with the run's token.
 */
import type { Launcher } from '../launcher.js';

export const noneLauncher: Launcher = { name: 'none', argv: (_spec, workerArgv) => [...workerArgv] };
