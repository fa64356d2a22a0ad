// A small, hand-made catalogue for the vendor-write tests, with vendors and one API key per role,
// on a fresh real database (PGlite, or PostgreSQL when DATABASE_URL is set). Written with SQL so the
// tests do not depend on the curated seed's contents.
import type { Logger } from 'pino';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.ts';
import type { Database } from '../../src/db/index.ts';
import { migrate } from '../../src/db/migrate.ts';
import { buildApp, type App } from '../../src/api/app.ts';
import { createApiKey } from '../../src/catalogue/accounts.ts';
import { SYSTEM } from '../../src/catalogue/actor.ts';
import { freshDatabase, type TargetKind, type TestDatabase } from './db.ts';

export const quiet = (): Logger => pino({ level: 'silent' });

export const IDS = {
  virtioNet: 'http://pcisig.com/pci/1af4/1041',
  virtioBlk: 'http://pcisig.com/pci/1af4/1042',
  e1000: 'http://pcisig.com/pci/8086/100e',
  vmxnet3: 'http://pcisig.com/pci/15ad/07b0',
  acme1: 'http://acme.example/acmeos/1',
  acme2: 'http://acme.example/acmeos/2',
  other: 'http://other.example/otheros/5',
  kvmt: 'http://virtcompat.org/hypervisor/kvmt',
  kvmt1: 'http://virtcompat.org/hypervisor/kvmt/1.0',
  curatedHv: 'http://virtcompat.org/hypervisor/curated',
  curated1: 'http://virtcompat.org/hypervisor/curated/1',
  vmx: 'http://virtcompat.org/hw/vmx',
  chipx: 'http://virtcompat.org/hw/chipx',
};

/** Vendors, devices, two hypervisors, three guests (one inheriting), paravirt backends, features. */
export async function loadFixtures(db: Database): Promise<void> {
  const q = (sql: string, params: unknown[] = []) => db.sql.query(sql, params);
  await q(`INSERT INTO "Vendor" (id, name, kinds, "updatedAt") VALUES
    ('acme', 'Acme OS', '{OS}', now()), ('other', 'Other OS', '{OS}', now()),
    ('hvco', 'HV Co', '{HYPERVISOR}', now()), ('chipco', 'Chip Co', '{HARDWARE}', now())`);
  await q(
    `INSERT INTO "Device" (id, name, bus, "vendorId", "productId", class, kind, "paravirtInterface", "updatedAt", "ownerVendorId") VALUES
    ($1, 'virtio-net', 'pci', '1af4', '1041', 'NETWORK', 'PARAVIRTUAL', 'VIRTIO_1_0', now(), NULL),
    ($2, 'virtio-blk', 'pci', '1af4', '1042', 'STORAGE', 'PARAVIRTUAL', 'VIRTIO_1_0', now(), NULL),
    ($3, 'e1000', 'pci', '8086', '100e', 'NETWORK', 'EMULATED', 'NONE', now(), 'chipco'),
    ($4, 'vmxnet3', 'pci', '15ad', '07b0', 'NETWORK', 'PARAVIRTUAL', 'VMWARE_PV', now(), NULL)`,
    [IDS.virtioNet, IDS.virtioBlk, IDS.e1000, IDS.vmxnet3],
  );
  await q(`INSERT INTO "ParavirtFeature" (id, key, name, family, kind) VALUES
    ('http://virtcompat.org/paravirt/kvm/kvm-hvm', 'kvm-hvm', 'KVM HVM', 'KVM', 'BACKEND'),
    ('http://virtcompat.org/paravirt/xen/xen-pvh', 'xen-pvh', 'Xen PVH', 'XEN', 'BACKEND'),
    ('http://virtcompat.org/paravirt/kvm/kvm-clock', 'kvm-clock', 'kvm-clock', 'KVM', 'FEATURE')`);
  await q(
    `INSERT INTO "HardwareFeature" (id, key, name, category, "detectionMethod", "detectionValue", "updatedAt", "ownerVendorId") VALUES
    ($1, 'vmx', 'Intel VT-x', 'CPU_VIRTUALIZATION', 'CPUINFO_FLAG', 'vmx', now(), NULL),
    ($2, 'chipx', 'Chip X', 'OTHER', 'CPUINFO_FLAG', 'chipx', now(), 'chipco')`,
    [IDS.vmx, IDS.chipx],
  );
  await q(
    `INSERT INTO "Hypervisor" (id, key, name, family, "updatedAt", "ownerVendorId") VALUES
    ($1, 'kvmt', 'KVM (test)', 'KVM', now(), 'hvco'), ($2, 'curated', 'Curated HV', 'GENERIC', now(), NULL)`,
    [IDS.kvmt, IDS.curatedHv],
  );
  await q(
    `INSERT INTO "HypervisorRelease" (id, "hypervisorId", version, name, "updatedAt") VALUES
    ($1, $2, '1.0', 'KVM test 1.0', now()), ($3, $4, '1', 'Curated 1', now())`,
    [IDS.kvmt1, IDS.kvmt, IDS.curated1, IDS.curatedHv],
  );
  await q(
    `INSERT INTO "HypervisorReleaseDevice" ("releaseId", "deviceId", model, supported) VALUES
    ($1, $2, 'virtio-net-pci', true), ($1, $3, 'virtio-blk-pci', true), ($1, $4, 'e1000', true), ($1, $5, 'vmxnet3', false),
    ($6, $4, 'e1000', true)`,
    [IDS.kvmt1, IDS.virtioNet, IDS.virtioBlk, IDS.e1000, IDS.vmxnet3, IDS.curated1],
  );
  await q(
    `INSERT INTO "HypervisorReleaseParavirt" ("releaseId", "featureId", supported) VALUES
    ($1, 'http://virtcompat.org/paravirt/kvm/kvm-hvm', true), ($1, 'http://virtcompat.org/paravirt/xen/xen-pvh', false)`,
    [IDS.kvmt1],
  );
  await q(
    `INSERT INTO "GuestOS" (id, "shortIds", name, architectures, "derivesFromId", "updatedAt", "ownerVendorId") VALUES
    ($1, '{acmeos1}', 'Acme OS 1', '{x86_64}', NULL, now(), 'acme'),
    ($2, '{acmeos2}', 'Acme OS 2', '{x86_64}', $1, now(), 'acme'),
    ($3, '{otheros5}', 'Other OS 5', '{x86_64}', NULL, now(), 'other')`,
    [IDS.acme1, IDS.acme2, IDS.other],
  );
  await q(
    `INSERT INTO "GuestOSDevice" ("guestId", "deviceId", supported) VALUES
    ($1, $3, true), ($1, $4, true), ($1, $5, true), ($2, $5, false), ($6, $5, true)`,
    [IDS.acme1, IDS.acme2, IDS.virtioNet, IDS.virtioBlk, IDS.e1000, IDS.other],
  );
  await q(
    `INSERT INTO "GuestParavirtSupport" ("guestId", "featureId", supported) VALUES
    ($1, 'http://virtcompat.org/paravirt/kvm/kvm-hvm', true), ($2, 'http://virtcompat.org/paravirt/kvm/kvm-hvm', false)`,
    [IDS.acme1, IDS.other],
  );
}

export type KeyName = 'admin' | 'maintainer' | 'acmeMaintainer' | 'acme' | 'other' | 'hvco' | 'chipco';

export async function makeKeys(db: Database): Promise<Record<KeyName, string>> {
  const env = { db, actor: SYSTEM };
  const mk = async (role: 'SUBMITTER' | 'MAINTAINER' | 'ADMIN', vendorId: string | null) =>
    (await createApiKey(env, { role, vendorId, label: `test ${role.toLowerCase()} ${vendorId ?? ''}` })).key;
  const [admin, maintainer, acmeMaintainer, acme, other, hvco, chipco] = await Promise.all([
    mk('ADMIN', null),
    mk('MAINTAINER', null),
    mk('MAINTAINER', 'acme'),
    mk('SUBMITTER', 'acme'),
    mk('SUBMITTER', 'other'),
    mk('SUBMITTER', 'hvco'),
    mk('SUBMITTER', 'chipco'),
  ]);
  return { admin, maintainer, acmeMaintainer, acme, other, hvco, chipco };
}

export interface GqlResult<T = any> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
}

export interface VendorTestApp {
  kind: TargetKind;
  db: Database;
  app: App;
  keys: Record<KeyName, string>;
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string | null,
    headers?: Record<string, string>,
  ): Promise<GqlResult<T>>;
  /** Another app instance on the same database (e.g. a second service behind a load balancer). */
  sibling(env?: Record<string, string>): App;
  close(): Promise<void>;
}

export async function gqlOn(
  app: App,
  query: string,
  variables?: Record<string, unknown>,
  key?: string | null,
  headers: Record<string, string> = {},
) {
  const res = await app.yoga.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: Omit<GqlResult, 'status' | 'headers'>;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 300)}`);
  }
  return { ...body, status: res.status, headers: res.headers } as GqlResult;
}

export async function vendorApp(kind: TargetKind, env: Record<string, string> = {}): Promise<VendorTestApp> {
  const t: TestDatabase = await freshDatabase(kind);
  const db = await t.open();
  await migrate(db);
  await loadFixtures(db);
  const keys = await makeKeys(db);
  const baseEnv = { RESPONSE_CACHE: 'false', LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false', ...env };
  const app = buildApp(loadConfig(baseEnv), db, quiet());
  const siblings: App[] = [];
  return {
    kind,
    db,
    app,
    keys,
    gql: (query, variables, key, headers) => gqlOn(app, query, variables, key, headers),
    sibling(extra = {}) {
      const s = buildApp(loadConfig({ ...baseEnv, ...extra }), db, quiet());
      siblings.push(s);
      return s;
    },
    async close() {
      await Promise.all([app, ...siblings].map((a) => a.close()));
      await db.close();
      await t.drop();
    },
  };
}

export const SUBMIT = `mutation($records: [CompatibilityRecordInput!]!, $key: String!) {
  submitCompatibilityRecords(records: $records, idempotencyKey: $key) {
    ok replayed idempotencyKey
    records { index duplicate record { id status reviewState guest { id } hypervisorRelease { id } submitter { id } } }
    inputErrors { recordIndex path message code }
  }
}`;

export const REVIEW = `mutation($id: ID!, $decision: ReviewDecision!, $reason: String!) {
  reviewRecord(id: $id, decision: $decision, reason: $reason) { id reviewState reviewReason supersedes { id } current }
}`;

/** A valid record for guest acmeos1 on kvmt 1.0. */
export const goodRecord = (over: Record<string, unknown> = {}) => ({
  guest: 'acmeos1',
  hypervisorRelease: 'kvmt:1.0',
  status: 'WORKS',
  backend: 'kvm-hvm',
  testedDevices: [IDS.virtioNet, IDS.virtioBlk],
  evidence: { url: 'https://acme.example/tests/1', date: '2024-05-01' },
  ...over,
});
