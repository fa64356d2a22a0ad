// `virtcompat import osinfo|pci-ids|qemu`: real-world catalogue data into the database the service
// uses (DATABASE_URL, else the embedded one in DATA_DIR). Progress goes to stderr (a bar on a
// terminal, plain lines otherwise), the summary to stdout (a table, or JSON with --json).
// Exit codes: 0 imported, 1 failed (nothing written), 2 usage.
import type { Command, CliIO } from '../types.ts';
import { UsageError } from '../types.ts';
import { inputPath, parseCommandArgs } from '../args.ts';
import { withDatabase } from '../database.ts';
import { importOsinfo, DEFAULT_OSINFO_PATH, DEFAULT_PCI_IDS, DEFAULT_USB_IDS } from '../../../seed/importers/osinfo/import.ts';
import { importPciIds, DEFAULT_PCI_IDS_PATH } from '../../../seed/importers/pci-ids.ts';
import { importQemu, DEFAULT_QEMU_BINARY } from '../../../seed/importers/qemu.ts';
import { createProgress, silentProgress, type Progress } from '../../../seed/importers/progress.ts';
import type { ImportSummary } from '../../../seed/importers/runs.ts';

const COMMON = `  --strict    fail (and write nothing) if any file or value is malformed
  --json      print the summary as JSON on stdout
  --quiet     no progress on stderr`;

/** Paths given on the command line: the caller's (relative to its cwd), and a missing one is a usage error. */
function pathArg(io: CliIO, p: string | undefined, what = 'PATH'): string | undefined {
  return p === undefined ? undefined : inputPath(io, p, what);
}

function progressFor(io: CliIO, label: string, quiet: boolean | undefined): Progress {
  return quiet ? silentProgress : createProgress(io.stderr, label);
}

/** Runs an import and prints its summary; a failed import prints what it found and exits 1. */
async function report(io: CliIO, json: boolean | undefined, work: () => Promise<ImportSummary>): Promise<number> {
  try {
    const s = await work();
    io.stdout.write(json ? JSON.stringify(s, null, 2) + '\n' : formatSummary(s));
    return 0;
  } catch (err) {
    const summary = (err as { summary?: ImportSummary }).summary;
    if (!summary) throw err;
    if (json) io.stdout.write(JSON.stringify(summary, null, 2) + '\n');
    else io.stderr.write(formatProblems(summary));
    const e = err as Error & { code?: string };
    io.stderr.write(`virtcompat import: [${e.code ?? 'IMPORT_FAILED'}] ${e.message}\n`);
    return 1;
  }
}

export function formatSummary(s: ImportSummary): string {
  const lines: string[] = [];
  lines.push(
    `${s.source} ${s.sourceVersion ?? '(no version)'} from ${s.path}: ${s.status} in ${s.durationMs} ms${s.runId !== null ? ` (import run ${s.runId})` : ''}`,
  );
  if (s.files) lines.push(`files: ${s.files.read} read, ${s.files.skipped} skipped`);
  const kinds = Object.keys(s.counts);
  if (kinds.length) {
    const w = Math.max(6, ...kinds.map((k) => k.length));
    const cols = ['created', 'updated', 'unchanged', 'deleted', 'kept'] as const;
    lines.push(`${'kind'.padEnd(w)}  ${cols.map((c) => c.padStart(9)).join(' ')}`);
    for (const [k, counts] of Object.entries(s.counts))
      lines.push(`${k.padEnd(w)}  ${cols.map((c) => String(counts[c]).padStart(9)).join(' ')}`);
  }
  lines.push(`change feed: ${s.changes} entities`);
  for (const [k, v] of Object.entries(s.notImported)) lines.push(`not imported: ${k}: ${v}`);
  return lines.join('\n') + '\n' + formatProblems(s);
}

function formatProblems(s: ImportSummary): string {
  if (s.problems.length === 0) return '';
  const shown = s.problems.slice(0, 50).map((p) => `${p.severity}: ${p.path}: ${p.reason}`);
  if (s.problems.length > 50) shown.push(`... ${s.problems.length - 50} more (see --json)`);
  return `${s.problems.length} problem(s):\n${shown.join('\n')}\n`;
}

export const importOsinfoCommand: Command = {
  name: 'import osinfo',
  summary: 'import an osinfo-db tree (OSes, devices, platforms)',
  usage: `Usage: virtcompat import osinfo [PATH] [--strict] [--json] [--quiet] [--pci-ids FILE] [--usb-ids FILE]

Imports every OS, device and platform of an osinfo-db tree in one transaction. PATH is the
data directory (default ${DEFAULT_OSINFO_PATH}, Debian package osinfo-db), a built osinfo-db or
an extracted release tarball. Importing the same data again changes nothing; a newer release
updates what changed and adds what is new. Curated and vendor-submitted rows are never
overwritten (counted as "kept"). A malformed file is reported and skipped.

Options:
${COMMON}
  --pci-ids FILE  names for the PCI devices osinfo refers to (default ${DEFAULT_PCI_IDS}, as libosinfo)
  --usb-ids FILE  names for the USB devices osinfo refers to (default ${DEFAULT_USB_IDS})
  --no-hwids      do not read pci.ids / usb.ids
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        strict: { type: 'boolean' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
        'pci-ids': { type: 'string' },
        'usb-ids': { type: 'string' },
        'no-hwids': { type: 'boolean' },
      },
      true,
    );
    if (positionals.length > 1) throw new UsageError(`one PATH at most, got ${positionals.length}`);
    const path = pathArg(io, positionals[0]);
    const pciIds = values['no-hwids'] ? null : pathArg(io, values['pci-ids'], '--pci-ids');
    const usbIds = values['no-hwids'] ? null : pathArg(io, values['usb-ids'], '--usb-ids');
    return withDatabase(io, (db) =>
      report(io, values.json, () =>
        importOsinfo(db, {
          path,
          strict: values.strict,
          pciIds,
          usbIds,
          progress: progressFor(io, 'osinfo', values.quiet),
        }),
      ),
    );
  },
};

export const importPciIdsCommand: Command = {
  name: 'import pci-ids',
  summary: 'import the PCI ID repository (vendors, devices, subsystems)',
  usage: `Usage: virtcompat import pci-ids [PATH] [--strict] [--json] [--quiet]

Imports pci.ids (default ${DEFAULT_PCI_IDS_PATH}, Debian package pci.ids) in one transaction:
vendors, devices (as http://pcisig.com/pci/<vendor>/<device>, the ids osinfo uses) and
subsystems. Devices osinfo-db, the curated seed or a vendor already describe keep their data.

Options:
${COMMON}
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { strict: { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean' } },
      true,
    );
    if (positionals.length > 1) throw new UsageError(`one PATH at most, got ${positionals.length}`);
    const path = pathArg(io, positionals[0]);
    return withDatabase(io, (db) =>
      report(io, values.json, () => importPciIds(db, { path, strict: values.strict, progress: progressFor(io, 'pci.ids', values.quiet) })),
    );
  },
};

export const importQemuCommand: Command = {
  name: 'import qemu',
  summary: "record the installed QEMU's machine types and device models",
  usage: `Usage: virtcompat import qemu [--binary PATH] [--strict] [--json] [--quiet]

Runs the QEMU binary (default ${DEFAULT_QEMU_BINARY}) with --version, -machine help, -cpu help
and -device help, and records a KVM hypervisor release for that exact version: its machine
types and the catalogue devices its device models present.

Options:
  --binary PATH   the qemu-system-* binary to ask
${COMMON}
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      binary: { type: 'string' },
      strict: { type: 'boolean' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
    });
    // A path to a binary is the caller's; a bare name is looked up on PATH.
    const binary = values.binary?.includes('/') ? pathArg(io, values.binary, '--binary') : values.binary;
    return withDatabase(io, (db) =>
      report(io, values.json, () =>
        importQemu(db, {
          binary,
          strict: values.strict,
          progress: progressFor(io, 'qemu', values.quiet),
        }),
      ),
    );
  },
};

export const commands: Command[] = [importOsinfoCommand, importPciIdsCommand, importQemuCommand];
