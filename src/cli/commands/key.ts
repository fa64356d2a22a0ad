// `virtcompat key create|revoke|list`: API keys, from the server's machine, straight on the database
// the service uses (DATABASE_URL, else the embedded one in DATA_DIR; while a service holds that
// data folder, the command runs inside it over its admin channel, src/cli/remote.ts). This is how
// the first admin key comes to exist; later ones can also be made over GraphQL (createApiKey).
import type { Command, CliIO } from '../types.ts';
import { UsageError } from '../types.ts';
import { parseCommandArgs } from '../args.ts';
import { withDatabase } from '../database.ts';
import { loadConfig } from '../../config/index.ts';
import { CATALOGUE_TOPIC, type CatalogueEvent } from '../../catalogue/events.ts';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from '../../catalogue/accounts.ts';
import { SYSTEM } from '../../catalogue/actor.ts';

/** With REDIS_URL, running service instances hear about the change (caches, subscriptions). */
export async function announce(io: CliIO, events: CatalogueEvent[]) {
  // Run by the service itself (admin channel): its own bus reaches its subscribers and other instances.
  if (io.service) return io.service.announce(events);
  const config = loadConfig(io.env, io.cwd);
  if (!config.redisUrl || events.length === 0) return;
  // The same message the services' Redis event target publishes: the JSON of the event.
  // ioredis is loaded only here: most runs have no REDIS_URL and need not pay for it.
  const { Redis } = await import('ioredis');
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    for (const e of events) await redis.publish(CATALOGUE_TOPIC, JSON.stringify(e));
  } catch (err) {
    io.stderr.write(
      `warning: could not tell running services through Redis (${(err as Error).message}); their caches expire on their own\n`,
    );
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

const ROLES = { admin: 'ADMIN', maintainer: 'MAINTAINER', submitter: 'SUBMITTER' } as const;

/** `2027-01-31`, an ISO instant, or `90d` from now. */
export function parseExpiry(v: string, now = Date.now()): string {
  const rel = /^(\d{1,5})d$/.exec(v);
  if (rel) return new Date(now + Number(rel[1]) * 86_400_000).toISOString();
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(t)) throw new UsageError(`--expires: expected YYYY-MM-DD, an ISO 8601 instant or Nd (days), got ${JSON.stringify(v)}`);
  return new Date(t).toISOString();
}

function keyLine(k: ApiKeyRow): string {
  const state = k.revokedAt
    ? `revoked ${k.revokedAt}`
    : k.expiresAt && Date.parse(k.expiresAt) <= Date.now()
      ? `expired ${k.expiresAt}`
      : 'active';
  return [
    k.id,
    k.role.toLowerCase().padEnd(10),
    (k.vendorId ?? '-').padEnd(16),
    state.padEnd(8),
    `last used ${k.lastUsedAt ?? 'never'}`,
    k.label ?? '',
  ]
    .join('  ')
    .trimEnd();
}

export const keyCreate: Command = {
  name: 'key create',
  summary: 'create an API key (shown once)',
  usage: `Usage: virtcompat key create --role admin|maintainer|submitter [--vendor ID] [--label TEXT] [--expires WHEN]

Creates an API key on the service's database and prints it once on stdout: vc_<key id>_<secret>.
Only a salted scrypt hash is stored. Send it as \`Authorization: Bearer <key>\`.

  admin       manages vendors and keys (createVendor, createApiKey, revokeApiKey), can review
  maintainer  accepts or rejects pending compatibility records, reads the audit log
  submitter   writes for one vendor: compatibility records and what the vendor owns (needs --vendor)

Options:
  --role ROLE      admin, maintainer or submitter (required)
  --vendor ID      the vendor the key belongs to (required for submitter)
  --label TEXT     a note to tell keys apart
  --expires WHEN   YYYY-MM-DD, an ISO 8601 instant, or Nd (days from now)
  --json           print key id, key and details as JSON

Uses DATABASE_URL, else the embedded database in DATA_DIR (run by the service itself while it runs).
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      role: { type: 'string' },
      vendor: { type: 'string' },
      label: { type: 'string' },
      expires: { type: 'string' },
      json: { type: 'boolean' },
    });
    const role = ROLES[values.role as keyof typeof ROLES];
    if (!role) throw new UsageError('--role must be admin, maintainer or submitter');
    if (role === 'SUBMITTER' && !values.vendor) throw new UsageError('a submitter key needs --vendor');
    const expiresAt = values.expires ? parseExpiry(values.expires) : null;
    const { key, apiKey } = await withDatabase(io, (db) =>
      createApiKey({ db, actor: SYSTEM }, { role, vendorId: values.vendor ?? null, label: values.label ?? null, expiresAt }),
    );
    if (values.json) {
      io.stdout.write(JSON.stringify({ key, ...apiKey }, null, 2) + '\n');
    } else {
      io.stdout.write(`${key}\n`);
      io.stderr.write(
        `created ${role.toLowerCase()} key ${apiKey.id}${apiKey.vendorId ? ` for vendor ${apiKey.vendorId}` : ''}` +
          `${apiKey.expiresAt ? `, expires ${apiKey.expiresAt}` : ''}. It is shown only now: store it.\n`,
      );
    }
    return 0;
  },
};

export const keyRevoke: Command = {
  name: 'key revoke',
  summary: 'revoke an API key at once',
  usage: `Usage: virtcompat key revoke KEY_ID

Revokes the key (its id is the 16 hex digits after vc_, or give the whole key). Every service
instance refuses it from the next request on.
`,
  async run(args, io) {
    const { positionals } = parseCommandArgs(args, {}, true);
    const [given] = positionals;
    if (positionals.length !== 1 || given === undefined) throw new UsageError('give exactly one key id');
    const keyId = /^(?:vc_)?([0-9a-f]{16})(?:_.*)?$/.exec(given)?.[1];
    if (!keyId) throw new UsageError(`not a key id: ${JSON.stringify(given.slice(0, 40))}`);
    const row = await withDatabase(io, (db) => revokeApiKey({ db, actor: SYSTEM }, keyId));
    io.stdout.write(`revoked ${row.id} at ${row.revokedAt}\n`);
    return 0;
  },
};

export const keyList: Command = {
  name: 'key list',
  summary: 'list API keys (ids, roles, vendors, last use; never secrets)',
  usage: `Usage: virtcompat key list [--vendor ID] [--all] [--json]

Options:
  --vendor ID   only this vendor's keys
  --all         include revoked keys
  --json        JSON output
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { vendor: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' } });
    const keys = await withDatabase(io, (db) => listApiKeys(db.sql, { vendorId: values.vendor ?? null, includeRevoked: !!values.all }));
    io.stdout.write(values.json ? JSON.stringify(keys, null, 2) + '\n' : keys.map(keyLine).join('\n') + (keys.length ? '\n' : ''));
    return 0;
  },
};

/** Registered in index.ts as one entry. */
export const commands: Command[] = [keyCreate, keyList, keyRevoke];
