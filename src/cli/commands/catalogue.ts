// `virtcompat guests [TEXT]` and `virtcompat hypervisors`: find an id as osinfo-query users do.
// They ask the service over GraphQL (--service, $VIRTCOMPAT_SERVICE, or the local default), as
// `plan` does: the same catalogue `plan` will use, no database to boot (a listing answers in about
// the time node takes to start), and it works from any machine that can reach the service.
import type { CliIO, Command } from '../types.ts';
import { UsageError } from '../types.ts';
import { parseCommandArgs } from '../args.ts';
import { clientEnv } from '../env.ts';
import { DEFAULT_SERVICE } from '../../hypervisor-runtime/client.ts';

const PAGE = 100;

/** A failure to get an answer from the service: exit 1 with what to do. */
class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly code: 'SERVICE_UNREACHABLE' | 'SERVICE_ERROR',
    message: string,
  ) {
    super(message);
  }
}

interface GqlError {
  message: string;
  extensions?: { code?: string; suggestions?: string[] };
}

function serviceOf(io: CliIO, given: string | undefined): string {
  if (given === undefined) return clientEnv(io.env).service;
  try {
    new URL(given);
  } catch {
    throw new UsageError(`--service: not a URL: ${given}`);
  }
  return given;
}

function timeoutOf(v: string | undefined): number {
  if (v === undefined) return 30_000;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`--timeout must be a positive number of milliseconds, got '${v}'`);
  return Number(v);
}

async function gql<T>(
  service: string,
  timeoutMs: number,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ data: T | null; errors: GqlError[] }> {
  let res: Response;
  try {
    res = await fetch(service, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new ServiceError(
      'SERVICE_UNREACHABLE',
      `no service answers at ${service} (${why}); start one with \`npm start\` (or \`virtcompat serve\`), or give --service URL / VIRTCOMPAT_SERVICE`,
    );
  }
  let body: { data?: T | null; errors?: GqlError[] };
  try {
    body = (await res.json()) as typeof body;
  } catch {
    throw new ServiceError('SERVICE_ERROR', `${service} answered HTTP ${res.status} without GraphQL JSON; is it a virtcompat service?`);
  }
  return { data: body.data ?? null, errors: body.errors ?? [] };
}

function fail(service: string, errors: GqlError[]): never {
  throw new ServiceError(
    'SERVICE_ERROR',
    `${service}: ${errors.map((e) => `${e.message}${e.extensions?.code ? ` [${e.extensions.code}]` : ''}`).join('; ')}`,
  );
}

/** Columns padded to their widest cell; the last one is not padded. */
function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join(' | ')
      .trimEnd();
  return `${[line(head), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line)].join('\n')}\n`;
}

interface GuestNode {
  id: string;
  shortId: string | null;
  shortIds: string[];
  name: string;
  version: string | null;
  family: string | null;
  distro: string | null;
  vendor: string | null;
  releaseDate: string | null;
  eolDate: string | null;
}

const GUESTS = `query VirtcompatGuests($first: Int, $after: String, $filter: GuestOSFilter) {
  guestOSes(first: $first, after: $after, filter: $filter, orderBy: { field: ID }) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id shortId shortIds name version family distro vendor releaseDate eolDate }
  }
}`;

const SUGGEST = `query VirtcompatGuestSuggest($key: String) { guestOS(shortId: $key) { id shortId } }`;

export const guestsCommand: Command = {
  name: 'guests',
  summary: 'list or search guest OSes (short id, name, version, family), as osinfo-query os does',
  usage: `Usage: virtcompat guests [TEXT] [--family F] [--distro D] [--json] [--service URL]

Lists the guest OSes of the catalogue, sorted by id: short id, name, version, family and id.
TEXT keeps those whose name or a short id contains it (case-insensitive); when none does and
TEXT looks like an id, the closest ids are suggested.

Options:
  --family F      only this family (linux, winnt, freebsd ...)
  --distro D      only this distro (debian, fedora, rhel, win ...)
  --json          print the guests as JSON
  --service URL   GraphQL endpoint (default $VIRTCOMPAT_SERVICE or ${DEFAULT_SERVICE})
  --timeout MS    time limit per request (default 30000)

Exit status: 0 guests listed, 1 none matched or the service failed, 2 usage.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        family: { type: 'string' },
        distro: { type: 'string' },
        json: { type: 'boolean' },
        service: { type: 'string' },
        timeout: { type: 'string' },
      },
      true,
    );
    if (positionals.length > 1) throw new UsageError(`one TEXT at most, got ${positionals.length} (quote a text with spaces)`);
    const [text] = positionals;
    const service = serviceOf(io, values.service);
    const timeoutMs = timeoutOf(values.timeout);
    const filter = { search: text ?? null, family: values.family ?? null, distro: values.distro ?? null };
    const guests: GuestNode[] = [];
    let after: string | null = null;
    for (;;) {
      const r: {
        data: { guestOSes: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: GuestNode[] } } | null;
        errors: GqlError[];
      } = await gql(service, timeoutMs, GUESTS, { first: PAGE, after, filter });
      if (!r.data || r.errors.length) fail(service, r.errors);
      guests.push(...r.data.guestOSes.nodes);
      if (!r.data.guestOSes.pageInfo.hasNextPage || !r.data.guestOSes.pageInfo.endCursor) break;
      after = r.data.guestOSes.pageInfo.endCursor;
    }
    if (values.json) io.stdout.write(`${JSON.stringify(guests, null, 2)}\n`);
    else if (guests.length) {
      io.stdout.write(
        table(
          ['Short ID', 'Name', 'Version', 'Family', 'ID'],
          guests.map((g) => [g.shortId ?? '', g.name, g.version ?? '', g.family ?? '', g.id]),
        ),
      );
    }
    if (guests.length === 0) {
      let hint = '';
      if (text && !/\s/.test(text)) {
        const s = await gql<{ guestOS: unknown }>(service, timeoutMs, SUGGEST, { key: text });
        const near = s.errors.find((e) => e.extensions?.code === 'GUEST_OS_NOT_FOUND')?.extensions?.suggestions ?? [];
        if (near.length) hint = `; did you mean ${near.join(' or ')}?`;
      }
      const what = [text && `'${text}'`, values.family && `family ${values.family}`, values.distro && `distro ${values.distro}`]
        .filter(Boolean)
        .join(', ');
      io.stderr.write(`virtcompat guests: no guest OS matches ${what || 'anything'}${hint}\n`);
      return 1;
    }
    return 0;
  },
};

interface HypervisorNode {
  key: string;
  name: string;
  family: string;
  vendor: string | null;
  releases: Array<{ version: string; name: string; releaseDate: string | null }>;
}

const HYPERVISORS = `query VirtcompatHypervisors($first: Int, $after: String) {
  hypervisors(first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { key name family vendor releases { version name releaseDate } }
  }
}`;

export const hypervisorsCommand: Command = {
  name: 'hypervisors',
  summary: 'list the hypervisors and their releases (the keys plan --hypervisor takes)',
  usage: `Usage: virtcompat hypervisors [--json] [--service URL]

Lists each hypervisor (its key is what \`plan --hypervisor\` takes) with its family, vendor and
releases, oldest first.

Options:
  --json          print the hypervisors as JSON
  --service URL   GraphQL endpoint (default $VIRTCOMPAT_SERVICE or ${DEFAULT_SERVICE})
  --timeout MS    time limit per request (default 30000)
`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { json: { type: 'boolean' }, service: { type: 'string' }, timeout: { type: 'string' } });
    const service = serviceOf(io, values.service);
    const timeoutMs = timeoutOf(values.timeout);
    const list: HypervisorNode[] = [];
    let after: string | null = null;
    for (;;) {
      const r: {
        data: { hypervisors: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: HypervisorNode[] } } | null;
        errors: GqlError[];
      } = await gql(service, timeoutMs, HYPERVISORS, { first: PAGE, after });
      if (!r.data || r.errors.length) fail(service, r.errors);
      list.push(...r.data.hypervisors.nodes);
      if (!r.data.hypervisors.pageInfo.hasNextPage || !r.data.hypervisors.pageInfo.endCursor) break;
      after = r.data.hypervisors.pageInfo.endCursor;
    }
    if (values.json) io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    else {
      io.stdout.write(
        table(
          ['Key', 'Name', 'Family', 'Vendor', 'Releases'],
          list.map((h) => [h.key, h.name, h.family.toLowerCase(), h.vendor ?? '', h.releases.map((r) => r.version).join(', ')]),
        ),
      );
    }
    return 0;
  },
};

export const commands: Command[] = [guestsCommand, hypervisorsCommand];
