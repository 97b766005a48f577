/**
 * The command registry: name -> a loader, so `pipetrace X` only loads what X needs.
 * A new command is one file in this folder and one line here.
 */
import type { Command } from '../command.js';

export const commands: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./serve.js')).serve,
};
