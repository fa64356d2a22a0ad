import type { Command } from '../types.ts';

/**
 * Every subcommand, named and summarised here so that `virtcompat --help` and dispatch load only
 * the module of the command that runs (the service's modules alone take seconds to load; `plan`
 * and `probe` must not pay for them). A test checks each entry against its module.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

type CommandModule = { commands?: Command[]; command?: Command };

const lazy = (name: string, summary: string, load: () => Promise<CommandModule>): CommandEntry => ({
  name,
  summary,
  async load() {
    const m = await load();
    const found = m.command?.name === name ? m.command : m.commands?.find((c) => c.name === name);
    if (!found) throw new Error(`command module does not export '${name}'`);
    return found;
  },
});

// Sorted by name.
export const entries: CommandEntry[] = [
  lazy(
    'boot',
    'plan a VM and boot it with QEMU on a serial console; with the test guest, check the plan from inside',
    () => import('./boot.ts'),
  ),
  lazy(
    'catalogue sync',
    "bring the local catalogue copy (what plan --offline reads) up to the service's: 304, a delta or the whole snapshot",
    () => import('./catalogue-sync.ts'),
  ),
  lazy('db migrate', 'apply pending migrations (embedded database, or DATABASE_URL)', async () => ({
    command: (await import('./db.ts')).migrateCommand,
  })),
  lazy('export osinfo', 'write the catalogue as an osinfo-db tree libosinfo loads', async () => ({
    command: (await import('./export.ts')).exportOsinfoCommand,
  })),
  lazy('guests', 'list or search guest OSes (short id, name, version, family), as osinfo-query os does', () => import('./catalogue.ts')),
  lazy('hypervisors', 'list the hypervisors and their releases (the keys plan --hypervisor takes)', () => import('./catalogue.ts')),
  lazy('import osinfo', 'import an osinfo-db tree (OSes, devices, platforms)', () => import('./import.ts')),
  lazy('import pci-ids', 'import the PCI ID repository (vendors, devices, subsystems)', () => import('./import.ts')),
  lazy('import qemu', "record the installed QEMU's machine types and device models", () => import('./import.ts')),
  lazy(
    'inspect',
    "read a VM's native configuration (.vmx, .ovf/.ova, libvirt XML, xl.cfg) and print what it found",
    () => import('./inspect.ts'),
  ),
  lazy('key create', 'create an API key (shown once)', () => import('./key.ts')),
  lazy('key list', 'list API keys (ids, roles, vendors, last use; never secrets)', () => import('./key.ts')),
  lazy('key revoke', 'revoke an API key at once', () => import('./key.ts')),
  lazy(
    'move',
    "plan a VM (.vmx, OVF, libvirt XML, xl.cfg) on another hypervisor: pre-flight report and the target's configuration",
    () => import('./move.ts'),
  ),
  lazy('plan', 'plan a VM for a guest on a hypervisor and render it (QEMU argv, libvirt XML, xl.cfg, .vmx ...)', () => import('./plan.ts')),
  lazy('probe', "read this host's virtualization facts (CPU flags, KVM, IOMMU, PCI/SR-IOV, QEMU, firmware)", () => import('./probe.ts')),
  lazy('seed', 'apply the curated seed (idempotent)', () => import('./seed.ts')),
  lazy('serve', 'run the GraphQL service (embedded database unless DATABASE_URL is set)', () => import('./serve.ts')),
  lazy('submit', 'bulk-submit compatibility records from a JSON/YAML file (resumable)', () => import('./submit.ts')),
  lazy('vendor create', 'create a vendor (an account that owns catalogue entries and holds keys)', () => import('./vendor.ts')),
  lazy('vendor list', 'list vendors', () => import('./vendor.ts')),
  lazy('vendor update', 'change a vendor', () => import('./vendor.ts')),
];
