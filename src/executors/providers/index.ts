// Providers: where a run's nodes come from (see ../provider.ts).
export { localProvider, localNode } from './local.js';
export { slurmProvider } from './slurm/provider.js';
export type { SlurmProvider, SlurmProviderOptions } from './slurm/provider.js';
export type { BlockNode, BlockDeadline, Provider } from '../provider.js';
