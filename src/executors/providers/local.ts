/**
 * The local provider: this machine as a block without an end. One node by default; `nodes: n`
 * splits the machine into n named nodes that share its CPUs and memory (a pilot with the `none`
 * launcher then runs n local workers, which is how its contract is tested without Slurm).
 */
import { availableParallelism, hostname, totalmem } from 'node:os';
import type { BlockNode, Provider } from '../provider.js';

/** This machine as one node: its host name, every core, all its memory. */
export function localNode(): Required<BlockNode> {
  return {
    name: hostname(),
    cpus: availableParallelism(),
    memoryMB: Math.floor(totalmem() / 2 ** 20),
  };
}

export function localProvider(opts: { nodes?: number } = {}): Provider {
  const count = Math.max(1, Math.floor(opts.nodes ?? 1));
  return {
    name: 'local',
    async nodes() {
      const me = localNode();
      if (count === 1) return [me];
      return Array.from({ length: count }, (_, i) => ({
        name: `${me.name}-${i + 1}`,
        cpus: Math.max(1, Math.floor(me.cpus / count)),
        memoryMB: Math.floor(me.memoryMB / count),
      }));
    },
    async deadline() {
      return undefined;
    },
  };
}
