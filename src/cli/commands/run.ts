import type { Command } from 'commander';

// Placeholder until the owning work item adds its commands.
export function registerRunCommands(_program: Command): void {}
