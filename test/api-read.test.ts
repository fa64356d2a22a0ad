// The GraphQL read API on a seeded catalogue, on every database this run covers.
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { seededApp, type TestApp } from './helpers/app.ts';
import { testTargets } from './helpers/db.ts';
import { printSDL } from '../src/schema/index.ts';
import { at } from '../src/util/must.ts';

interface Link {
  guestId: string;
  deviceId: string;
  supported: boolean;
}

/** Inheritance computed independently of the SQL under test: walk the chain in JS. */
function expectedEffective(
  guests: Map<string, { derivesFromId: string | null; clonedFromId: string | null }>,
  links: Link[],
  id: string,
): Map<string, { supported: boolean; from: string }> {
  const own = new Map<string, Link[]>();
  for (const l of links) own.set(l.guestId, [...(own.get(l.guestId) ?? []), l]);
  const out = new Map<string, { supported: boolean; from: string }>();
  // Breadth-first: nearer ancestors first, derivesFrom before clonedFrom at the same depth.
  let level = [id];
  const seen = new Set<string>();
  while (level.length) {
    const next: string[] = [];
    for (const g of level) {
      if (seen.has(g)) continue;
      seen.add(g);
      for (const l of own.get(g) ?? []) if (!out.has(l.deviceId)) out.set(l.deviceId, { supported: l.supported, from: g });
      const row = guests.get(g);
      if (row?.derivesFromId) next.push(row.derivesFromId);
      if (row?.clonedFromId) next.push(row.clonedFromId);
    }
    level = next;
  }
  for (const [k, v] of out) if (!v.supported) out.delete(k);
  return out;
}

for (const kind of testTargets()) {
  describe(`GraphQL read API on ${kind}`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await seededApp(kind);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('finds a guest by id and by short id, and says which argument is wrong', async () => {
      const g = at(
        await t.db.sql.query<{ id: string; shortIds: string[] }>(
          `SELECT id, "shortIds" FROM "GuestOS" WHERE "derivesFromId" IS NOT NULL AND cardinality("shortIds") > 0 ORDER BY id LIMIT 1`,
        ),
        0,
        'g',
      );
      const byId = await t.gql(`query($id: ID) { guestOS(id: $id) { id shortId name derivesFrom { id } } }`, { id: g.id });
      const byShort = await t.gql(`query($s: String) { guestOS(shortId: $s) { id shortId name derivesFrom { id } } }`, {
        s: g.shortIds[0],
      });
      assert.equal(byId.errors, undefined);
      assert.equal(byId.data.guestOS.id, g.id);
      assert.deepEqual(byShort.data, byId.data);
      const none = await t.gql(`{ guestOS(shortId: "no-such-os") { id } }`);
      assert.deepEqual(none.data, { guestOS: null });
      const both = await t.gql(`{ guestOS(id: "a", shortId: "b") { id } }`);
      assert.equal(both.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.match(at(both.errors ?? [], 0, 'an error').message, /exactly one of id or shortId/);
    });

    it('resolves effective devices exactly as inheritance says, for every seeded guest', async () => {
      const guestRows = await t.db.sql.query<{ id: string; derivesFromId: string | null; clonedFromId: string | null }>(
        `SELECT id, "derivesFromId", "clonedFromId" FROM "GuestOS"`,
      );
      const links = await t.db.sql.query<Link>(`SELECT "guestId", "deviceId", supported FROM "GuestOSDevice"`);
      const guests = new Map(guestRows.map((g) => [g.id, g]));
      assert.ok(guestRows.length >= 25, `seed has ${guestRows.length} guests`);
      let inheritedSeen = 0;
      for (const g of guestRows) {
        const res = await t.gql(
          `query($id: ID) { guestOS(id: $id) { devices { device { id } supported inherited inheritedFrom { id } } deviceCount } }`,
          { id: g.id },
        );
        assert.equal(res.errors, undefined, JSON.stringify(res.errors));
        const got = new Map<string, { supported: boolean; from: string }>(
          res.data.guestOS.devices.map((d: any) => [d.device.id, { supported: d.supported, from: d.inheritedFrom?.id ?? g.id }]),
        );
        assert.deepEqual(got, expectedEffective(guests, links, g.id), `effective devices of ${g.id}`);
        assert.equal(res.data.guestOS.deviceCount, got.size);
        inheritedSeen += res.data.guestOS.devices.filter((d: any) => d.inherited).length;
      }
      assert.ok(inheritedSeen > 0, 'the seed exercises inheritance');
    });

    it('follows re-parenting and survives an inheritance cycle', async () => {
      await t.db.sql.query(
        `INSERT INTO "GuestOS"(id, "shortIds", name, architectures, "updatedAt") VALUES
           ('http://example.org/p/a', '{pa}', 'A', '{x86_64}', now()),
           ('http://example.org/p/b', '{pb}', 'B', '{x86_64}', now()),
           ('http://example.org/p/c', '{pc}', 'C', '{x86_64}', now())`,
      );
      await t.db.sql.query(
        `INSERT INTO "GuestOSDevice"("guestId", "deviceId", supported) VALUES
           ('http://example.org/p/a', 'http://pcisig.com/pci/8086/100e', true),
           ('http://example.org/p/b', 'http://pcisig.com/pci/1af4/1041', true)`,
      );
      const devs = async () =>
        (await t.gql(`{ guestOS(shortId: "pc") { devices { device { id } inheritedFrom { id } } } }`)).data.guestOS.devices;
      assert.deepEqual(await devs(), []);
      await t.db.sql.query(`UPDATE "GuestOS" SET "derivesFromId" = 'http://example.org/p/a' WHERE id = 'http://example.org/p/c'`);
      assert.deepEqual(await devs(), [
        { device: { id: 'http://pcisig.com/pci/8086/100e' }, inheritedFrom: { id: 'http://example.org/p/a' } },
      ]);
      await t.db.sql.query(`UPDATE "GuestOS" SET "derivesFromId" = 'http://example.org/p/b' WHERE id = 'http://example.org/p/c'`);
      assert.deepEqual(await devs(), [
        { device: { id: 'http://pcisig.com/pci/1af4/1041' }, inheritedFrom: { id: 'http://example.org/p/b' } },
      ]);
      // a -> b -> a: a cycle must neither hang nor duplicate answers.
      await t.db.sql.query(`UPDATE "GuestOS" SET "derivesFromId" = 'http://example.org/p/a' WHERE id = 'http://example.org/p/b'`);
      await t.db.sql.query(`UPDATE "GuestOS" SET "derivesFromId" = 'http://example.org/p/b' WHERE id = 'http://example.org/p/a'`);
      const ids = (await devs()).map((d: any) => d.device.id).sort();
      assert.deepEqual(ids, ['http://pcisig.com/pci/1af4/1041', 'http://pcisig.com/pci/8086/100e']);
      await t.db.sql.query(`DELETE FROM "GuestOSDevice" WHERE "guestId" LIKE 'http://example.org/p/%'`);
      await t.db.sql.query(`UPDATE "GuestOS" SET "derivesFromId" = NULL WHERE id LIKE 'http://example.org/p/%'`);
      await t.db.sql.query(`DELETE FROM "GuestOS" WHERE id LIKE 'http://example.org/p/%'`);
    });

    it('lists explicit removals only when asked, and filters by class', async () => {
      const [neg] = await t.db.sql.query<{ guestId: string; deviceId: string }>(
        `SELECT "guestId", "deviceId" FROM "GuestOSDevice" WHERE NOT supported ORDER BY "guestId" LIMIT 1`,
      );
      assert.ok(neg, 'the seed has at least one explicit negative device fact');
      const res = await t.gql(
        `query($id: ID) { guestOS(id: $id) { devices { device { id } } all: devices(includeRemoved: true) { device { id } supported } net: devices(class: NETWORK) { device { class } } } }`,
        { id: neg.guestId },
      );
      const g = res.data.guestOS;
      assert.ok(!g.devices.some((d: any) => d.device.id === neg.deviceId));
      assert.deepEqual(
        g.all.find((d: any) => d.device.id === neg.deviceId),
        { device: { id: neg.deviceId }, supported: false },
      );
      assert.ok(g.net.every((d: any) => d.device.class === 'NETWORK'));
    });

    it('pages through all guests with stable cursors and a correct totalCount', async () => {
      const { n } = at(await t.db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "GuestOS"`), 0);
      const ids: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 100; i++) {
        const res: any = await t.gql(
          `query($after: String) { guestOSes(first: 7, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
          { after },
        );
        assert.equal(res.errors, undefined);
        assert.equal(res.data.guestOSes.totalCount, n);
        ids.push(...res.data.guestOSes.edges.map((e: any) => e.node.id));
        if (!res.data.guestOSes.pageInfo.hasNextPage) break;
        after = res.data.guestOSes.pageInfo.endCursor;
      }
      assert.equal(ids.length, n);
      assert.deepEqual(ids, [...ids].sort());
      assert.equal(new Set(ids).size, n);

      const desc = await t.gql(`{ guestOSes(first: 100, orderBy: { field: NAME, direction: DESC }) { nodes { name } } }`);
      const names = desc.data.guestOSes.nodes.map((x: any) => x.name);
      assert.deepEqual(
        names,
        [...names].sort((a: string, b: string) => (a < b ? 1 : a > b ? -1 : 0)),
      );

      const tooMany = await t.gql(`{ guestOSes(first: 101) { totalCount } }`);
      assert.equal(tooMany.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.match(at(tooMany.errors ?? [], 0, 'an error').message, /first must be between 0 and 100, got 101/);
      const badCursor = await t.gql(`{ guestOSes(after: "not-a-cursor") { totalCount } }`);
      assert.equal(badCursor.errors?.[0]?.extensions?.code, 'BAD_CURSOR');
    });

    it('filters guests by family and by a device they drive', async () => {
      const res = await t.gql(`{ guestOSes(first: 100, filter: { family: "winnt" }) { totalCount nodes { family } } }`);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      assert.ok(res.data.guestOSes.totalCount > 0);
      assert.ok(res.data.guestOSes.nodes.every((g: any) => g.family === 'winnt'));
      const drives = await t.gql(
        `{ guestOSes(first: 100, filter: { drivesDevice: "http://pcisig.com/pci/1af4/1041" }) { nodes { id devices(class: NETWORK) { device { id } } } } }`,
      );
      assert.equal(drives.errors, undefined, JSON.stringify(drives.errors));
      assert.ok(drives.data.guestOSes.nodes.length > 0);
      for (const g of drives.data.guestOSes.nodes) {
        assert.ok(
          g.devices.some((d: any) => d.device.id === 'http://pcisig.com/pci/1af4/1041'),
          g.id,
        );
      }
    });

    it('costs a bounded number of SQL statements for a page of guests with their devices (no N+1)', async () => {
      // Make sure there are more than 50 guests, some deep in inheritance chains.
      const base = await t.db.sql.query<{ id: string }>(`SELECT id FROM "GuestOS" ORDER BY id LIMIT 1`);
      await t.db.sql.query(
        `INSERT INTO "GuestOS"(id, "shortIds", name, architectures, "derivesFromId", "updatedAt")
         SELECT 'http://example.org/nplus1/' || i, ARRAY['nplus1-' || i], 'N+1 probe ' || i, '{x86_64}', $1, now()
           FROM generate_series(1, 60) i`,
        [at(base, 0).id],
      );
      const q = (n: number) =>
        `{ guestOSes(first: ${n}, filter: { search: "N+1 probe" }) { totalCount nodes { id name derivesFrom { id name }
            deviceCount devices { device { id name class } supported inheritedFrom { id } } firmware { type supported } } } }`;
      t.statements.count = 0;
      const small = await t.gql(q(5));
      const smallCount = t.statements.count;
      t.statements.count = 0;
      const big = await t.gql(q(50));
      const bigCount = t.statements.count;
      assert.equal(small.errors, undefined);
      assert.equal(big.data.guestOSes.nodes.length, 50);
      assert.ok(big.data.guestOSes.nodes.every((g: any) => g.devices.length > 0 || g.deviceCount === 0));
      assert.equal(bigCount, smallCount, `statements grow with page size: ${smallCount} for 5, ${bigCount} for 50`);
      assert.ok(bigCount <= 8, `a page of 50 costs ${bigCount} statements:\n${t.statements.texts.slice(-bigCount).join('\n---\n')}`);
      await t.db.sql.query(`DELETE FROM "GuestOS" WHERE id LIKE 'http://example.org/nplus1/%'`);
    });

    it('answers a page of guests from the columns it asks for, in one statement, as full rows answer it', async () => {
      // Every field the guest list may answer from partial rows (NARROW_FIELDS in
      // src/schema/guest-os/resolvers.ts), with and without `vendor`, which needs full rows.
      const fields = `id name shortId shortIds deviceCount devices { device { id class } supported inheritedFrom { id } }
        paravirt { feature { key } supported }
        compatibilityRecords { id } resources { arch kind } firmware { type } derivedBy { id } ancestors { id } media`;
      const page = (extra: string) => `{ guestOSes(first: 60) { edges { node { ${fields} ${extra} } } pageInfo { endCursor } } }`;
      const viaFragment = `{ guestOSes(first: 60) { nodes { ...G } } } fragment G on GuestOS { id ... on GuestOS { deviceCount } }`;
      const narrow = await t.gql(page(''));
      const full = await t.gql(page('vendor'));
      assert.equal(narrow.errors, undefined);
      assert.equal(full.errors, undefined);
      assert.ok(narrow.data.guestOSes.edges.some((e: any) => e.node.deviceCount > 0 && e.node.ancestors.length > 0));
      assert.deepEqual(
        narrow.data,
        {
          guestOSes: {
            ...full.data.guestOSes,
            edges: full.data.guestOSes.edges.map(({ node: { vendor: _, ...node } }: any) => ({ node })),
          },
        },
        'the partial rows answer as full rows do',
      );
      // deviceCount joined to the page counts what the per-guest loader counts.
      for (const { node } of narrow.data.guestOSes.edges.slice(0, 20)) {
        const one = await t.gql(`query($id: ID) { guestOS(id: $id) { deviceCount devices { device { id } } } }`, { id: node.id });
        assert.equal(node.deviceCount, one.data.guestOS.deviceCount, node.id);
        assert.equal(node.deviceCount, one.data.guestOS.devices.length, node.id);
      }
      t.statements.count = 0;
      const counted = await t.gql(`{ guestOSes(first: 50) { edges { node { id name deviceCount } } pageInfo { endCursor hasNextPage } } }`);
      assert.equal(counted.errors, undefined);
      assert.equal(
        t.statements.count,
        1,
        `a page with its device counts:\n${t.statements.texts.slice(-t.statements.count).join('\n---\n')}`,
      );
      t.statements.count = 0;
      const fragment = await t.gql(viaFragment);
      assert.equal(t.statements.count, 1, 'deviceCount asked through fragments is joined to the page too');
      assert.deepEqual(
        fragment.data.guestOSes.nodes.slice(0, 50),
        counted.data.guestOSes.edges.map((e: any) => ({ id: e.node.id, deviceCount: e.node.deviceCount })),
      );
    });

    it("answers a guest's effective devices from the device columns it asks for, as full rows answer it", async () => {
      // Every device field NARROW_DEVICE_FIELDS (src/schema/guest-os/loaders.ts) answers from partial
      // rows, with and without `description`, which needs full rows; the equivalents' devices come
      // from the device loader, which partial rows must not fill (createdAt would be missing).
      const device = `__typename id name bus busId class kind paravirtInterface corrections { field }
        equivalents { group device { id name vendorName createdAt } } presentedBy { model }`;
      const page = (extra: string) => `{ guestOSes(first: 60) { nodes { id
        devices { device { ${device} ${extra} } supported driverSource inheritedFrom { id } }
        storage: devices(class: STORAGE) { device { id ${extra} } }
        pci: devices(bus: "pci") { device { id ${extra} } } } } }`;
      t.statements.count = 0;
      const narrow = await t.gql(page(''));
      const narrowCount = t.statements.count;
      // the statements that read the effective devices (and their device columns)
      const effective = (n: number) => t.statements.texts.slice(-n).filter((x) => x.includes('e."fromGuestId"'));
      const narrowTexts = effective(narrowCount);
      t.statements.count = 0;
      const full = await t.gql(page('description'));
      const fullTexts = effective(t.statements.count);
      assert.ok(narrowTexts.length > 0 && fullTexts.length > 0);
      assert.ok(fullTexts.every((x) => x.includes('d.description')));
      assert.ok(!narrowTexts.some((x) => x.includes('d.description')), 'the narrow answer reads the narrow columns');
      assert.equal(narrow.errors, undefined);
      assert.equal(full.errors, undefined);
      assert.equal(narrowCount, t.statements.count, 'as many statements either way');
      const nodes = narrow.data.guestOSes.nodes;
      assert.ok(nodes.some((g: any) => g.devices.some((d: any) => d.inheritedFrom && d.device.equivalents.length > 0)));
      assert.ok(nodes.some((g: any) => g.storage.length > 0 && g.pci.length > 0));
      const strip = (l: any[]) => l.map(({ device: { description: _, ...d }, ...r }: any) => ({ ...r, device: d }));
      assert.deepEqual(
        nodes,
        full.data.guestOSes.nodes.map((g: any) => ({ ...g, devices: strip(g.devices), storage: strip(g.storage), pci: strip(g.pci) })),
        'the partial rows answer as full rows do',
      );
    });

    it('looks devices up by PCI ids and validates them', async () => {
      const res = await t.gql(`{ devicesByBusId(vendorId: "1AF4", productId: "1041") { id busId class kind paravirtInterface } }`);
      assert.deepEqual(res.data.devicesByBusId, [
        {
          id: 'http://pcisig.com/pci/1af4/1041',
          busId: '1af4:1041',
          class: 'NETWORK',
          kind: 'PARAVIRTUAL',
          paravirtInterface: 'VIRTIO_1_0',
        },
      ]);
      const bad = await t.gql(`{ devicesByBusId(vendorId: "1af4'; drop table x; --") { id } }`);
      assert.equal(bad.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.match(at(bad.errors ?? [], 0, 'an error').message, /vendorId must be 4 hex digits/);
    });

    it('describes hypervisors, releases and their host requirements', async () => {
      const res = await t.gql(`{
        hypervisors(first: 20) { totalCount nodes { key } }
        hypervisor(key: "kvm") { name family releases { version machineTypes devices { model device { id } } hostFeatures { requirement anyOf feature { key } } } }
        hardwareFeature(key: "vmx") { name category detection { method value } }
      }`);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const keys = res.data.hypervisors.nodes.map((h: any) => h.key).sort();
      for (const k of ['cloud-hypervisor', 'firecracker', 'hyperv', 'kvm', 'vmware', 'xen']) assert.ok(keys.includes(k), k);
      assert.ok(res.data.hypervisor.releases.length >= 2);
      const rel = res.data.hypervisor.releases.at(-1);
      assert.ok(rel.devices.some((d: any) => d.model.startsWith('virtio-net')));
      const cpu = rel.hostFeatures.filter((h: any) => h.requirement === 'REQUIRED' && ['vmx', 'svm'].includes(h.feature.key));
      assert.equal(cpu.length, 2);
      assert.equal(cpu[0].anyOf, cpu[1].anyOf);
      assert.deepEqual(res.data.hardwareFeature.detection, { method: 'CPUINFO_FLAG', value: 'vmx' });
    });

    it('derives a compatibility verdict with reasons, and names bad arguments', async () => {
      const [rec] = await t.db.sql.query<{ guestId: string; releaseId: string; status: string }>(
        `SELECT "guestId", "hypervisorReleaseId" AS "releaseId", status::text AS status FROM "CompatibilityRecord"
          WHERE "reviewState" = 'ACCEPTED' AND "hostFeatureId" IS NULL ORDER BY id LIMIT 1`,
      );
      assert.ok(rec, 'the seed has accepted records');
      const res = await t.gql(
        `query($g: String!, $r: String!) { compatibility(guest: $g, hypervisorRelease: $r) { verdict basis reasons records { id status } devices { class model paravirtual } } }`,
        { g: rec.guestId, r: rec.releaseId },
      );
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
      const v = res.data.compatibility;
      assert.equal(v.basis, 'RECORDS');
      assert.ok(v.records.length >= 1);
      assert.ok(v.reasons.length >= 2);
      assert.ok(['CERTIFIED', 'SUPPORTED', 'WORKS', 'PARTIAL', 'BROKEN', 'UNSUPPORTED', 'CONFLICT'].includes(v.verdict));

      const kvm = await t.gql(`{ hypervisor(key: "kvm") { latestRelease { id version } } }`);
      const ref = `kvm:${kvm.data.hypervisor.latestRelease.version}`;
      const noHw = await t.gql(`query($r: String!) { compatibility(guest: "no-such-guest", hypervisorRelease: $r) { verdict } }`, {
        r: ref,
      });
      assert.equal(noHw.errors?.[0]?.extensions?.code, 'GUEST_OS_NOT_FOUND');
      const anyGuest = at(await t.db.sql.query<{ id: string }>(`SELECT id FROM "GuestOS" ORDER BY id LIMIT 1`), 0, 'anyGuest');
      const badFeature = await t.gql(
        `query($g: String!, $r: String!) { compatibility(guest: $g, hypervisorRelease: $r, hostFeatures: ["vmx", "warp-drive"]) { verdict } }`,
        { g: anyGuest.id, r: ref },
      );
      assert.equal(badFeature.errors?.[0]?.extensions?.code, 'HARDWARE_FEATURE_NOT_FOUND');
      assert.match(at(badFeature.errors ?? [], 0, 'an error').message, /warp-drive/);
      const tcg = await t.gql(
        `query($g: String!, $r: String!) { compatibility(guest: $g, hypervisorRelease: $r, hostFeatures: []) { missingHostFeatures reasons } }`,
        { g: anyGuest.id, r: ref },
      );
      assert.deepEqual(tcg.data.compatibility.missingHostFeatures.length >= 1, true);
      assert.match(tcg.data.compatibility.reasons[0], /requires .*vmx.* or .*svm|requires .*svm.* or .*vmx/);
    });

    it('resolves node(id) to the right type', async () => {
      const g = at(await t.db.sql.query<{ id: string }>(`SELECT id FROM "GuestOS" ORDER BY id LIMIT 1`), 0, 'g');
      const res = await t.gql(
        `query($g: ID!) { a: node(id: $g) { __typename id } b: node(id: "http://pcisig.com/pci/1af4/1041") { __typename ... on Device { name } } c: node(id: "nope") { id } }`,
        { g: g.id },
      );
      assert.equal(res.data.a.__typename, 'GuestOS');
      assert.equal(res.data.b.__typename, 'Device');
      assert.equal(res.data.c, null);
    });

    it('refuses documents over the depth, alias and token limits with coded errors', async () => {
      const deep = `{ guestOS(shortId: "x") { derivesFrom { derivesFrom { derivesFrom { derivesFrom { derivesFrom { derivesFrom { derivesFrom { derivesFrom { derivesFrom { derivesFrom { derivesFrom { derivesFrom { id } } } } } } } } } } } } } }`;
      const d = await t.gql(deep);
      assert.ok(d.errors?.length);
      assert.match(at(d.errors ?? [], 0, 'an error').message, /depth/i);
      const aliases = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: catalogueVersion`).join(' ')} }`;
      const a = await t.gql(aliases);
      assert.match(at(a.errors ?? [], 0, 'an error').message, /alias/i);
      const tokens = `{ ${'catalogueVersion '.repeat(3000)} }`;
      const k = await t.gql(tokens);
      assert.match(at(k.errors ?? [], 0, 'an error').message, /token/i);
      for (const r of [d, a, k]) assert.ok(r.status < 500, `status ${r.status}`);
    });

    it('serves the committed SDL', () => {
      const committed = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
      assert.ok(printSDL() === committed, 'schema.graphql is stale: run `npm run schema:print` and commit it');
    });
  });
}
