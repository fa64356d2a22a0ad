// `virtcompat export osinfo DIR`: the catalogue as an osinfo-db tree that libosinfo loads
// (OSINFO_SYSTEM_DIR=DIR osinfo-query os). Progress on stderr as the importers show it.
import { resolve } from 'node:path';
import type { Command } from '../types.ts';
import { UsageError } from '../types.ts';
import { parseCommandArgs } from '../args.ts';
import { withDatabase } from '../database.ts';

export const exportOsinfoCommand: Command = {
  name: 'export osinfo',
  summary: 'write the catalogue as an osinfo-db tree libosinfo loads',
  usage: `Usage: virtcompat export osinfo DIR [--force] [--json] [--quiet]

Writes every guest OS, the devices they use, every hypervisor release (as an osinfo platform)
and accepted compatibility records (as deployments) to DIR in osinfo-db's XML layout, curated
and vendor-submitted data included where the format can hold it. Check it with
  OSINFO_SYSTEM_DIR=DIR osinfo-query os
DIR must be empty or new. The tree is written beside DIR and renamed into place, so a failed
export leaves DIR as it was.

Options:
  --force   replace os/, device/, platform/, deployment/, virtcompat/ and VERSION in a non-empty DIR
            (other files in DIR are kept)
  --json    print the result as JSON
  --quiet   no progress on stderr
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { force: { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean' } },
      true,
    );
    const [given] = positionals;
    if (positionals.length !== 1 || given === undefined) throw new UsageError('give exactly one DIR');
    const dir = resolve(io.cwd, given);
    const { exportOsinfo, checkExportDir, ExportDirError } = await import('../../../seed/importers/osinfo/export.ts');
    const { createProgress, silentProgress } = await import('../../../seed/importers/progress.ts');
    // A non-empty DIR without --force is a usage error, found before the database is opened.
    try {
      await checkExportDir(dir, !!values.force);
    } catch (err) {
      if (err instanceof ExportDirError) throw new UsageError(err.message);
      throw err;
    }
    return withDatabase(io, async (db) => {
      const progress = values.quiet ? silentProgress : createProgress(io.stderr, 'export');
      const r = await exportOsinfo(db.sql, dir, { force: values.force, progress });
      if (values.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else {
        io.stdout.write(
          `wrote ${r.files} files to ${r.dir}: ${r.oses} OS, ${r.devices} devices, ${r.platforms} platforms, ${r.deployments} deployments\n`,
        );
        for (const [k, v] of Object.entries(r.notExported))
          io.stdout.write(`not representable in osinfo XML (kept in virtcompat/catalogue.xml): ${k}: ${v}\n`);
      }
      return 0;
    });
  },
};
