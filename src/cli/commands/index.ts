import type { Command } from '../types.ts';

// One line per subcommand; keep the list sorted by name.
export const commands: Command[] = [
];
