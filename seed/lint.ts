// Data lint for the curated seed, in the spirit of osinfo-db's tests/test_ids.py: the schema says each
// file is well formed; this says the files agree with each other. Every problem names the file, the
// path inside it and what is wrong, and all problems are reported at once.
import type { CuratedSeed } from './format.ts';
import { at as nth, must } from '../src/util/must.ts';

export interface SeedProblem {
  file: string;
  path: string;
  message: string;
}

export function formatProblem(p: SeedProblem): string {
  return `${p.file}: ${p.path}: ${p.message}`;
}

export const FILES = {
  vendors: 'vendors.yaml',
  hardwareFeatures: 'hardware-features.yaml',
  paravirtFeatures: 'paravirt-features.yaml',
  devices: 'devices.yaml',
  compatibility: 'compatibility.yaml',
  equivalence: 'equivalence.yaml',
  knownIssues: 'known-issues.yaml',
} as const;

const HW_PREFIX = 'http://virtcompat.org/hw/';
const HV_PREFIX = 'http://virtcompat.org/hypervisor/';
const PARAVIRT_PREFIX = 'http://virtcompat.org/paravirt/';

/** Path segment for an array element, with the element's id when it has one, for readable messages. */
function at(name: string, i: number, label?: string): string {
  return label ? `${name}[${i}] (${label})` : `${name}[${i}]`;
}

function findCycle(edges: Map<string, string[]>): string[] | null {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 1);
    stack.push(n);
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === 1) return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return null;
  };
  for (const n of [...edges.keys()].sort()) {
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return null;
}

export function lintSeed(seed: CuratedSeed): SeedProblem[] {
  const problems: SeedProblem[] = [];
  const report = (file: string, path: string, message: string) => problems.push({ file, path, message });

  // ── indexes, with duplicate detection ──
  function index<T>(file: string, list: string, items: T[], keyOf: (t: T) => string, what: string): Map<string, T> {
    const m = new Map<string, T>();
    items.forEach((item, i) => {
      const k = keyOf(item);
      if (m.has(k)) report(file, at(list, i, k), `duplicate ${what} ${k}`);
      else m.set(k, item);
    });
    return m;
  }

  const vendors = index(FILES.vendors, 'vendors', seed.vendors, (v) => v.id, 'vendor id');
  const hwById = index(FILES.hardwareFeatures, 'features', seed.hardwareFeatures, (f) => f.id, 'id');
  const hwByKey = index(FILES.hardwareFeatures, 'features', seed.hardwareFeatures, (f) => f.key, 'key');
  const pvById = index(FILES.paravirtFeatures, 'features', seed.paravirtFeatures, (f) => f.id, 'id');
  const pvByKey = index(FILES.paravirtFeatures, 'features', seed.paravirtFeatures, (f) => f.key, 'key');
  const devices = index(FILES.devices, 'devices', seed.devices, (d) => d.id, 'device id');
  void hwById;
  void pvById;

  const checkVendor = (file: string, path: string, id: string | undefined) => {
    if (id !== undefined && !vendors.has(id)) report(file, path, `unknown vendor ${id}`);
  };
  const checkDevice = (file: string, path: string, id: string) => {
    if (!devices.has(id)) report(file, path, `unknown device ${id}`);
  };

  // ── hardware features ──
  seed.hardwareFeatures.forEach((f, i) => {
    const p = at('features', i, f.key);
    if (f.id !== HW_PREFIX + f.key) report(FILES.hardwareFeatures, `${p}.id`, `id must be ${HW_PREFIX}${f.key}`);
    for (const r of f.requires) if (!hwByKey.has(r)) report(FILES.hardwareFeatures, `${p}.requires`, `unknown hardware feature ${r}`);
    if (!f.sourceRef) report(FILES.hardwareFeatures, `${p}.sourceRef`, 'missing source');
    checkVendor(FILES.hardwareFeatures, `${p}.ownerVendorId`, f.ownerVendorId);
  });
  const hwCycle = findCycle(new Map(seed.hardwareFeatures.map((f) => [f.key, f.requires])));
  if (hwCycle) report(FILES.hardwareFeatures, 'features', `requires cycle: ${hwCycle.join(' -> ')}`);

  // ── paravirt features ──
  seed.paravirtFeatures.forEach((f, i) => {
    const p = at('features', i, f.key);
    const family = f.family.toLowerCase().replace(/_/g, '-');
    if (f.id !== `${PARAVIRT_PREFIX}${family}/${f.key}`) {
      report(FILES.paravirtFeatures, `${p}.id`, `id must be ${PARAVIRT_PREFIX}${family}/${f.key}`);
    }
    for (const d of f.dependsOn) if (!pvByKey.has(d)) report(FILES.paravirtFeatures, `${p}.dependsOn`, `unknown paravirt feature ${d}`);
    if (f.key.startsWith('hv-') && (f.family !== 'HYPERV' || f.kind !== 'ENLIGHTENMENT')) {
      report(FILES.paravirtFeatures, p, 'hv-* keys are Hyper-V enlightenments (family HYPERV, kind ENLIGHTENMENT)');
    }
    if (!f.sourceRef) report(FILES.paravirtFeatures, `${p}.sourceRef`, 'missing source');
  });
  const pvCycle = findCycle(new Map(seed.paravirtFeatures.map((f) => [f.key, f.dependsOn])));
  if (pvCycle) report(FILES.paravirtFeatures, 'features', `dependsOn cycle: ${pvCycle.join(' -> ')}`);

  // ── devices ──
  seed.devices.forEach((d, i) => {
    const p = at('devices', i, d.id);
    checkVendor(FILES.devices, `${p}.ownerVendorId`, d.ownerVendorId);
    if (!d.sourceRef) report(FILES.devices, `${p}.sourceRef`, 'missing source');
    if (d.paravirtInterface !== 'NONE' && d.kind !== 'PARAVIRTUAL') {
      report(FILES.devices, `${p}.kind`, `a device with paravirtInterface ${d.paravirtInterface} must be PARAVIRTUAL`);
    }
  });

  // ── hypervisors ──
  const hvByKey = new Map<string, string>();
  const releases = new Map<string, string>(); // release id -> file
  for (const { file, data } of seed.hypervisors) {
    const h = data.hypervisor;
    if (hvByKey.has(h.key)) report(file, 'hypervisor.key', `duplicate hypervisor key ${h.key} (also in ${hvByKey.get(h.key)})`);
    hvByKey.set(h.key, file);
    if (file !== `hypervisors/${h.key}.yaml`) report(file, 'hypervisor.key', `hypervisor ${h.key} belongs in hypervisors/${h.key}.yaml`);
    if (h.id !== HV_PREFIX + h.key) report(file, 'hypervisor.id', `id must be ${HV_PREFIX}${h.key}`);
    checkVendor(file, 'hypervisor.ownerVendorId', h.ownerVendorId);
    const versions = new Set<string>();
    const orders = new Map<number, string>();
    data.releases.forEach((r, i) => {
      const p = at('releases', i, r.id);
      if (releases.has(r.id)) report(file, `${p}.id`, `duplicate release id ${r.id}`);
      releases.set(r.id, file);
      if (!r.id.startsWith(`${h.id}/`)) report(file, `${p}.id`, `release ids of ${h.key} start with ${h.id}/`);
      if (versions.has(r.version)) report(file, `${p}.version`, `duplicate version ${r.version}`);
      versions.add(r.version);
      if (orders.has(r.versionOrder))
        report(file, `${p}.versionOrder`, `versionOrder ${r.versionOrder} also used by ${orders.get(r.versionOrder)}`);
      orders.set(r.versionOrder, r.version);
      if (!r.sourceRef) report(file, `${p}.sourceRef`, 'a hypervisor release needs a public source');

      const seenDev = new Set<string>();
      r.devices.forEach((d, j) => {
        const q = `${p}.${at('devices', j, d.deviceId)}`;
        checkDevice(file, `${q}.deviceId`, d.deviceId);
        if (seenDev.has(d.deviceId)) report(file, q, `device ${d.deviceId} listed twice`);
        seenDev.add(d.deviceId);
        if (!d.sourceRef) report(file, `${q}.sourceRef`, 'every device a release presents needs a public source');
      });
      const offered = new Set(r.paravirt.filter((x) => x.supported).map((x) => x.featureKey));
      const seenPv = new Set<string>();
      r.paravirt.forEach((x, j) => {
        const q = `${p}.${at('paravirt', j, x.featureKey)}`;
        const f = pvByKey.get(x.featureKey);
        if (!f) report(file, `${q}.featureKey`, `unknown paravirt feature ${x.featureKey}`);
        if (seenPv.has(x.featureKey)) report(file, q, `paravirt feature ${x.featureKey} listed twice`);
        seenPv.add(x.featureKey);
        if (!x.sourceRef) report(file, `${q}.sourceRef`, 'every paravirt feature a release offers needs a public source');
        if (f && x.supported) {
          for (const dep of f.dependsOn) {
            if (!offered.has(dep)) report(file, q, `${x.featureKey} needs ${dep}, which this release does not offer`);
          }
        }
      });
      const seenHf = new Set<string>();
      const groups = new Map<string, { n: number; req: Set<string> }>();
      r.hostFeatures.forEach((x, j) => {
        const q = `${p}.${at('hostFeatures', j, x.featureKey)}`;
        if (!hwByKey.has(x.featureKey)) report(file, `${q}.featureKey`, `unknown hardware feature ${x.featureKey}`);
        if (seenHf.has(x.featureKey)) report(file, q, `host feature ${x.featureKey} listed twice`);
        seenHf.add(x.featureKey);
        if (!x.sourceRef) report(file, `${q}.sourceRef`, 'every host feature requirement needs a public source');
        if (x.anyOf) {
          const g = groups.get(x.anyOf) ?? { n: 0, req: new Set<string>() };
          g.n++;
          g.req.add(x.requirement);
          groups.set(x.anyOf, g);
        }
      });
      for (const [name, g] of groups) {
        if (g.n < 2) report(file, `${p}.hostFeatures`, `anyOf group ${name} has a single member`);
        if (g.req.size > 1) report(file, `${p}.hostFeatures`, `anyOf group ${name} mixes requirement levels ${[...g.req].join(', ')}`);
      }
    });
    const dated = data.releases.filter((r) => r.releaseDate).sort((a, b) => a.versionOrder - b.versionOrder);
    for (const [k, r] of dated.entries()) {
      const prev = dated[k - 1];
      if (prev?.releaseDate && r.releaseDate && r.releaseDate < prev.releaseDate) {
        report(file, 'releases', `${r.version} sorts after ${prev.version} but was released earlier`);
      }
    }
  }

  // ── guests ──
  const guests = new Map<string, { file: string; derives?: string; clones?: string; upgrades?: string }>();
  const shortIds = new Map<string, string>();
  for (const { file, data } of seed.guests) {
    if (file !== `guests/${data.vendor}.yaml`)
      report(file, 'vendor', `guests of vendor ${data.vendor} belong in guests/${data.vendor}.yaml`);
    checkVendor(file, 'vendor', data.vendor);
    data.guests.forEach((g, i) => {
      const p = at('guests', i, g.id);
      if (guests.has(g.id)) report(file, `${p}.id`, `duplicate guest id ${g.id} (also in ${guests.get(g.id)!.file})`);
      guests.set(g.id, { file, derives: g.derivesFromId, clones: g.clonedFromId, upgrades: g.upgradesId });
      if (!g.id.startsWith(data.idPrefix)) report(file, `${p}.id`, `guest ids in this file start with ${data.idPrefix}`);
      if (g.ownerVendorId !== undefined && g.ownerVendorId !== data.vendor) {
        report(file, `${p}.ownerVendorId`, `a guest in guests/${data.vendor}.yaml is owned by ${data.vendor}, not ${g.ownerVendorId}`);
      }
      g.shortIds.forEach((s, j) => {
        const other = shortIds.get(s);
        if (other !== undefined) report(file, `${p}.shortIds[${j}]`, `duplicate short id ${s} (also ${other})`);
        else shortIds.set(s, g.id);
      });
      if (!g.sourceRef) report(file, `${p}.sourceRef`, 'missing source');
      const uniq = <T>(list: T[], name: string, keyOf: (t: T) => string) => {
        const seen = new Set<string>();
        list.forEach((x, j) => {
          const k = keyOf(x);
          if (seen.has(k)) report(file, `${p}.${at(name, j, k)}`, `duplicate ${name} entry ${k}`);
          seen.add(k);
        });
      };
      uniq(g.resources, 'resources', (r) => `${r.arch}/${r.kind}`);
      uniq(g.firmware, 'firmware', (f) => `${f.arch}/${f.type}`);
      uniq(g.devices, 'devices', (d) => d.deviceId);
      uniq(g.paravirt, 'paravirt', (x) => x.featureKey);
      g.devices.forEach((d, j) => {
        checkDevice(file, `${p}.${at('devices', j, d.deviceId)}.deviceId`, d.deviceId);
      });
      g.paravirt.forEach((x, j) => {
        if (!pvByKey.has(x.featureKey))
          report(file, `${p}.${at('paravirt', j, x.featureKey)}.featureKey`, `unknown paravirt feature ${x.featureKey}`);
      });
    });
  }
  for (const { file, data } of seed.guests) {
    data.guests.forEach((g, i) => {
      const p = at('guests', i, g.id);
      for (const field of ['derivesFromId', 'clonedFromId', 'upgradesId'] as const) {
        const ref = g[field];
        if (ref === undefined) continue;
        if (ref === g.id) report(file, `${p}.${field}`, `a guest cannot refer to itself`);
        else if (!guests.has(ref)) report(file, `${p}.${field}`, `unknown guest ${ref}`);
      }
    });
  }
  const inherit = new Map<string, string[]>();
  const upgrade = new Map<string, string[]>();
  for (const [id, g] of guests) {
    inherit.set(
      id,
      [g.derives, g.clones].filter((x): x is string => !!x && guests.has(x)),
    );
    upgrade.set(
      id,
      [g.upgrades].filter((x): x is string => !!x && guests.has(x)),
    );
  }
  const ic = findCycle(inherit);
  if (ic) report(must(guests.get(nth(ic, 0)), 'the guest a cycle starts at').file, 'guests', `inheritance cycle: ${ic.join(' -> ')}`);
  const uc = findCycle(upgrade);
  if (uc) report(must(guests.get(nth(uc, 0)), 'the guest a cycle starts at').file, 'guests', `upgrade cycle: ${uc.join(' -> ')}`);

  // ── equivalence ──
  const groupKeys = new Set<string>();
  seed.equivalence.forEach((g, i) => {
    const p = at('groups', i, g.key);
    if (groupKeys.has(g.key)) report(FILES.equivalence, `${p}.key`, `duplicate group ${g.key}`);
    groupKeys.add(g.key);
    const seen = new Set<string>();
    g.members.forEach((m, j) => {
      const q = `${p}.${at('members', j, m.deviceId)}`;
      checkDevice(FILES.equivalence, `${q}.deviceId`, m.deviceId);
      if (seen.has(m.deviceId)) report(FILES.equivalence, q, `device ${m.deviceId} listed twice`);
      seen.add(m.deviceId);
      if (m.hypervisorKey !== undefined && !hvByKey.has(m.hypervisorKey)) {
        report(FILES.equivalence, `${q}.hypervisorKey`, `unknown hypervisor ${m.hypervisorKey}`);
      }
    });
  });

  // ── known issues ──
  const issueKeys = new Set<string>();
  seed.knownIssues.forEach((k, i) => {
    const p = at('issues', i, k.key);
    if (issueKeys.has(k.key)) report(FILES.knownIssues, `${p}.key`, `duplicate known issue ${k.key}`);
    issueKeys.add(k.key);
    for (const side of ['fromHypervisor', 'toHypervisor'] as const) {
      const key = k[side];
      if (key !== undefined && !hvByKey.has(key)) report(FILES.knownIssues, `${p}.${side}`, `unknown hypervisor ${key}`);
    }
    if (!k.fromHypervisor && !k.toHypervisor && !k.fromDevice && !k.toDevice && !k.condition)
      report(FILES.knownIssues, p, 'a known issue names a transition: a hypervisor or a device on either side, or a condition');
  });

  // ── compatibility ──
  const recordKeys = new Set<string>();
  const claims = new Map<string, string>();
  seed.compatibility.forEach((r, i) => {
    const p = at('records', i, r.key);
    const f = FILES.compatibility;
    if (recordKeys.has(r.key)) report(f, `${p}.key`, `duplicate record key ${r.key}`);
    recordKeys.add(r.key);
    if (!guests.has(r.guestId)) report(f, `${p}.guestId`, `unknown guest ${r.guestId}`);
    if (!releases.has(r.hypervisorReleaseId)) report(f, `${p}.hypervisorReleaseId`, `unknown hypervisor release ${r.hypervisorReleaseId}`);
    if (r.deviceId !== undefined) checkDevice(f, `${p}.deviceId`, r.deviceId);
    if (r.hostFeatureKey !== undefined && !hwByKey.has(r.hostFeatureKey))
      report(f, `${p}.hostFeatureKey`, `unknown hardware feature ${r.hostFeatureKey}`);
    r.testedDevices.forEach((d, j) => {
      checkDevice(f, `${p}.testedDevices[${j}]`, d);
    });
    checkVendor(f, `${p}.submitterVendorId`, r.submitterVendorId);
    if (r.backend !== undefined) {
      const b = pvByKey.get(r.backend);
      if (!b) report(f, `${p}.backend`, `unknown paravirt backend ${r.backend}`);
      else if (b.kind !== 'BACKEND') report(f, `${p}.backend`, `${r.backend} is a ${b.kind}, not a BACKEND`);
    }
    const claim = [r.guestId, r.hypervisorReleaseId, r.deviceId ?? '', r.hostFeatureKey ?? '', r.backend ?? ''].join('|');
    if (claims.has(claim)) report(f, p, `same claim as ${claims.get(claim)} (guest, release, device, host feature, backend)`);
    else claims.set(claim, r.key);
  });

  return problems;
}
