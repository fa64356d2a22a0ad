// `virtcompat catalogue sync`: brings the runtime's local copy of the whole catalogue (the folder
// `plan --offline` and a plan with the service down read, <snapshot dir>/catalogue/) up to the
// service's, with one conditional request: nothing on 304, the delta since the version held, or the
// whole snapshot (src/hypervisor-runtime/catalogue.ts). Meant for a cron job on every host of a
// fleet, so hosts plan offline from a copy at most one interval old.
import { resolve } from 'node:path';
import { CatalogueError, readCatalogueIndex, snapshotUrl, syncCatalogue } from '../../hypervisor-runtime/catalogue.ts';
import { DEFAULT_SERVICE } from '../../hypervisor-runtime/client.ts';
import { parseCommandArgs } from '../args.ts';
import { clientEnv } from '../env.ts';
import type { Command } from '../types.ts';
import { UsageError } from '../types.ts';

export const catalogueSyncCommand: Command = {
  name: 'catalogue sync',
  summary: "bring the local catalogue copy (what plan --offline reads) up to the service's: 304, a delta or the whole snapshot",
  usage: `Usage: virtcompat catalogue sync [--service URL] [--snapshot-dir DIR] [--timeout MS] [--json] [--quiet]

Brings the local copy of the whole catalogue up to the service's with one conditional GET of
/snapshot: nothing when it is current (304), the entries changed since the version held (a delta),
or the whole snapshot when there is no copy yet, it came from another service, or the service no
longer holds a delta from it. Files are written first and the index last, so a plan running at the
same time reads the old version or the new one. \`plan --offline\` (and a plan whose service does not
answer) then plans every guest from this copy. For a fleet, run it from cron, e.g.

  */10 * * * *  virtcompat catalogue sync --service https://virtcompat.example/graphql --quiet

Options:
  --service URL       GraphQL endpoint; /snapshot is asked beside it
                      (default $VIRTCOMPAT_SERVICE or ${DEFAULT_SERVICE})
  --snapshot-dir DIR  the runtime's snapshot folder, as plan takes it; the copy is DIR/catalogue
                      (default $VIRTCOMPAT_SNAPSHOT_DIR or ~/.cache/virtcompat/snapshot)
  --timeout MS        time limit for the request (default 30000)
  --json              print the outcome as JSON: {outcome, version, previous, bytes, guests, hypervisors, dir}
  --quiet             print nothing on success (errors still go to stderr)

Exit status: 0 the copy is current (updated or already so), 1 the service could not be asked or
answered something else (the copy is left as it was), 2 usage.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        service: { type: 'string' },
        'snapshot-dir': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
      true,
    );
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const env = clientEnv(io.env);
    const service = values.service ?? env.service;
    if (!/^https?:\/\/[^\s/]+/.test(service)) throw new UsageError(`--service: expected an http(s) URL, got '${service}'`);
    const timeout = values.timeout;
    if (timeout !== undefined && (!/^\d+$/.test(timeout) || Number(timeout) < 1))
      throw new UsageError(`--timeout must be a positive number of milliseconds, got '${timeout}'`);
    const snapshotDir = values['snapshot-dir'] === undefined ? env.snapshotDir : resolve(io.cwd, values['snapshot-dir']);

    const previous = readCatalogueIndex(snapshotDir)?.version ?? null;
    let r: Awaited<ReturnType<typeof syncCatalogue>>;
    try {
      r = await syncCatalogue({ service, snapshotDir, timeoutMs: timeout === undefined ? 30_000 : Number(timeout) });
    } catch (err) {
      if (err instanceof CatalogueError) throw err; // exit 1 with its code and message
      // the copy could not be written (a full disk, a folder it may not write): a failure, not a usage error
      throw new CatalogueError(`${snapshotDir}: ${(err as Error).message}`);
    }
    const index = readCatalogueIndex(snapshotDir);
    const guests = Object.keys(index?.guests ?? {}).length;
    const hypervisors = Object.keys(index?.hypervisors ?? {}).length;
    const dir = resolve(snapshotDir, 'catalogue');
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify({ outcome: r.outcome, version: r.version, previous, bytes: r.bytes, guests, hypervisors, dir })}\n`,
      );
    } else if (!values.quiet) {
      const what =
        r.outcome === 'current'
          ? `already current (catalogue ${r.version})`
          : r.outcome === 'delta'
            ? `catalogue ${previous} → ${r.version}: delta applied (${r.bytes} bytes)`
            : `catalogue ${previous ? `${previous} → ` : ''}${r.version}: whole snapshot fetched (${r.bytes} bytes)`;
      io.stdout.write(`${snapshotUrl(service)}: ${what}; ${guests} guests, ${hypervisors} hypervisors in ${dir}\n`);
    }
    return 0;
  },
};

export const command = catalogueSyncCommand;
