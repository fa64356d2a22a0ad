// `virtcompat export osinfo DIR`: the catalogue as an osinfo-db tree that libosinfo loads
// (OSINFO_SYSTEM_DIR=DIR osinfo-query os).
import { resolve } from 'node:path';
import type { Command } from '../types.ts';
import { UsageError } from '../types.ts';
import { parseCommandArgs } from '../args.ts';
import { withDatabase } from '../database.ts';
import { exportOsinfo } from '../../../seed/importers/osinfo/export.ts';

export const exportOsinfoCommand: Command = {
  name: 'export osinfo',
  summary: 'write the catalogue as an osinfo-db tree libosinfo loads',
  usage: `Usage: virtcompat export osinfo DIR [--force] [--json]

Writes every guest OS, the devices they use, every hypervisor release (as an osinfo platform)
and accepted compatibility records (as deployments) to DIR in osinfo-db's XML layout, curated
and vendor-submitted data included where the format can hold it. Check it with
  OSINFO_SYSTEM_DIR=DIR osinfo-query os
DIR must be empty or new.

Options:
  --force   replace os/, device/, platform/, deployment/ and VERSION in a non-empty DIR
  --json    print the result as JSON
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, { force: { type: 'boolean' }, json: { type: 'boolean' } }, true);
    if (positionals.length !== 1) throw new UsageError('give exactly one DIR');
    const dir = resolve(io.cwd, positionals[0]);
    return withDatabase(io, async (db) => {
      const r = await exportOsinfo(db.sql, dir, { force: values.force });
      if (values.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else {
        io.stdout.write(`wrote ${r.files} files to ${r.dir}: ${r.oses} OS, ${r.devices} devices, ${r.platforms} platforms, ${r.deployments} deployments\n`);
        for (const [k, v] of Object.entries(r.notExported)) io.stdout.write(`not representable in osinfo XML: ${k}: ${v}\n`);
      }
      return 0;
    });
  },
};
