import type { Command } from '../types.ts';
import { command as boot } from './boot.ts';
import { migrateCommand } from './db.ts';
import { exportOsinfoCommand } from './export.ts';
import { commands as importCommands } from './import.ts';
import { commands as keyCommands } from './key.ts';
import { command as plan } from './plan.ts';
import { command as probe } from './probe.ts';
import { command as seed } from './seed.ts';
import { command as serve } from './serve.ts';
import { command as submit } from './submit.ts';
import { commands as vendorCommands } from './vendor.ts';

// One line per subcommand; keep the list sorted by name.
export const commands: Command[] = [
  boot,
  migrateCommand,
  exportOsinfoCommand,
  ...importCommands,
  ...keyCommands,
  plan,
  probe,
  seed,
  serve,
  submit,
  ...vendorCommands,
];
