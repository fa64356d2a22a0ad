// `virtcompat vendor create|update|list`: the accounts that own catalogue entries and hold keys,
// from the server's machine, straight on the service's database (see key.ts).
import type { Command } from '../types.ts';
import { UsageError } from '../types.ts';
import { parseCommandArgs } from '../args.ts';
import { createVendor, listVendors } from '../../catalogue/accounts.ts';
import { SYSTEM } from '../../catalogue/actor.ts';
import { withDatabase } from '../database.ts';
import { announce } from './key.ts';

const KINDS = ['HYPERVISOR', 'OS', 'HARDWARE', 'OTHER'];

function vendorCommand(update: boolean): Command {
  const verb = update ? 'update' : 'create';
  return {
    name: `vendor ${verb}`,
    summary: update ? 'change a vendor' : 'create a vendor (an account that owns catalogue entries and holds keys)',
    usage: `Usage: virtcompat vendor ${verb} ID --name NAME --kind KIND [--kind KIND...] [--url URL]

${update ? 'Replaces the vendor\u2019s name, kinds and url.' : 'Creates a vendor. ID is a slug (lower-case letters, digits, -).'}
KIND says what the vendor may publish: OS (guest releases), HYPERVISOR (hypervisors, their
releases and devices), HARDWARE (devices, hardware features), OTHER.

Options:
  --name NAME   display name (required)
  --kind KIND   ${KINDS.join(', ')} (repeatable, at least one)
  --url URL     home page
`,
    async run(args, io) {
      const { values, positionals } = parseCommandArgs(
        args,
        { name: { type: 'string' }, kind: { type: 'string', multiple: true }, url: { type: 'string' } },
        true,
      );
      const [vendorId] = positionals;
      if (positionals.length !== 1 || vendorId === undefined) throw new UsageError('give exactly one vendor id');
      if (!values.name) throw new UsageError('--name is required');
      const kinds = (values.kind ?? []).map((k) => k.toUpperCase());
      if (kinds.length === 0) throw new UsageError('give at least one --kind');
      const bad = kinds.filter((k) => !KINDS.includes(k));
      if (bad.length) throw new UsageError(`--kind must be one of ${KINDS.join(', ')}, got ${bad.join(', ')}`);
      const { vendor, events } = await withDatabase(io, (db) =>
        createVendor({ db, actor: SYSTEM }, { id: vendorId, name: values.name!, kinds, url: values.url ?? null }, update),
      );
      await announce(io, events);
      io.stdout.write(`${update ? 'updated' : 'created'} vendor ${vendor.id} (${vendor.kinds.join(', ')})\n`);
      return 0;
    },
  };
}

export const vendorList: Command = {
  name: 'vendor list',
  summary: 'list vendors',
  usage: `Usage: virtcompat vendor list [--json]
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { json: { type: 'boolean' } });
    const vendors = await withDatabase(io, (db) => listVendors(db.sql));
    io.stdout.write(
      values.json
        ? JSON.stringify(vendors, null, 2) + '\n'
        : vendors.map((v) => `${v.id.padEnd(16)}  ${v.kinds.join(',').padEnd(20)}  ${v.name}`).join('\n') + (vendors.length ? '\n' : ''),
    );
    return 0;
  },
};

/** Registered in index.ts as one entry. */
export const commands: Command[] = [vendorCommand(false), vendorList, vendorCommand(true)];
