// Read pages: home, search, guest, hypervisor release, record, device. Each is one GraphQL
// operation through the caller's own path (gql.ts), rendered on the server; no JavaScript needed.
import { html, type Html } from '../html.ts';
import { type Handler, param, sendPage } from '../ctx.ts';
import { PageError } from '../gql.ts';
import type { CorrectionRow, DeviceAnswer, GuestAnswer, HistoryRow, RecordAnswer, RecordRow, ReleaseAnswer } from './shapes.ts';
import { deviceHref, dl, guestHref, link, recordHref, releaseHref } from '../layout.ts';

const searchForm = (q: string) => html`<form role="search" method="get" action="/search" class="filters">
  <div><label for="q">Guest, hypervisor, device (name, short id, PCI id) or hardware feature</label>
  <input id="q" name="q" type="search" value="${q}" size="40" placeholder="debian12, virtio-net, 1af4:1041, vt-d"></div>
  <button type="submit">Search</button></form>`;

export const home: Handler = async (_req, res, w) => {
  const d = await w.gql<{ catalogueVersion: string; guestOSes: { totalCount: number }; hypervisors: { totalCount: number } }>(
    `query WebHome { catalogueVersion guestOSes(first: 0) { totalCount } hypervisors(first: 0) { totalCount } }`,
  );
  sendPage(
    res,
    w,
    'Hardware, guest and hypervisor compatibility',
    '/',
    html`${searchForm('')}
<p>${d.guestOSes.totalCount} guest releases and ${d.hypervisors.totalCount} hypervisors, catalogue version ${d.catalogueVersion}.</p>
<ul>
<li><a href="/matrix">The matrix</a>: every guest release against every hypervisor, with the evidence for each answer.</li>
<li><a href="/planner">The planner</a>: a launch plan and its configuration for a guest, a hypervisor and a host.</li>
<li><a href="/changes">What changed</a>, also as an <a href="/changes.atom">Atom feed</a>.</li>
<li><a href="/vendor">Vendors</a>: sign in with an API key to submit records; maintainers review them.</li>
</ul>`,
  );
};

interface SearchData {
  guestOSes: {
    totalCount: number;
    nodes: Array<{ id: string; shortId: string | null; name: string; family: string | null; vendor: string | null }>;
  };
  devices: { totalCount: number; nodes: DeviceRow[] };
  byBus?: DeviceRow[];
  hypervisors: {
    nodes: Array<{ key: string; name: string; family: string; releases: Array<{ id: string; name: string; version: string }> }>;
  };
  hardwareFeatures: { nodes: Array<{ key: string; name: string; vendor: string | null; category: string }> };
}
interface DeviceRow {
  id: string;
  name: string;
  busId: string | null;
  class: string;
  kind: string;
}

export const search: Handler = async (req, res, w) => {
  const q = param(req, 'q');
  if (!q) return sendPage(res, w, 'Search', '/search', searchForm(''));
  const bus = /^([0-9a-f]{4})(?::([0-9a-f]{4}))?$/i.exec(q);
  const d = await w.gql<SearchData>(
    `query WebSearch($q: String!, $isBus: Boolean!, $vendorId: String!, $productId: String) {
      guestOSes(first: 50, filter: { search: $q }) { totalCount nodes { id shortId name family vendor } }
      devices(first: 50, filter: { search: $q }) { totalCount nodes { id name busId class kind } }
      byBus: devicesByBusId(vendorId: $vendorId, productId: $productId) @include(if: $isBus) { id name busId class kind }
      hypervisors(first: 20) { nodes { key name family releases { id name version } } }
      hardwareFeatures(first: 100) { nodes { key name vendor category } }
    }`,
    { q, isBus: !!bus, vendorId: bus?.[1]?.toLowerCase() ?? '', productId: bus?.[2]?.toLowerCase() ?? null },
  );
  const needle = q.toLowerCase();
  const hit = (...s: Array<string | null>) => s.some((x) => x?.toLowerCase().includes(needle));
  const releases = d.hypervisors.nodes.flatMap((h) =>
    h.releases.filter((r) => hit(h.key, h.name, r.name, r.version, `${h.key}:${r.version}`)).map((r) => ({ h, r })),
  );
  const features = d.hardwareFeatures.nodes.filter((f) => hit(f.key, f.name, f.vendor));
  const devices = [...(d.byBus ?? []), ...d.devices.nodes.filter((x) => !d.byBus?.some((b) => b.id === x.id))];
  const none = !d.guestOSes.nodes.length && !devices.length && !releases.length && !features.length;
  sendPage(
    res,
    w,
    `Search: ${q}`,
    '/search',
    html`${searchForm(q)}
${none ? html`<p>Nothing matches “${q}”.</p>` : ''}
${
  d.guestOSes.nodes.length
    ? html`<h2>Guests (${d.guestOSes.totalCount})</h2><table><thead><tr><th scope="col">Name</th><th scope="col">Short id</th><th scope="col">Family</th><th scope="col">Vendor</th></tr></thead><tbody>
${d.guestOSes.nodes.map((g) => html`<tr><td>${link(guestHref(g.id), g.name)}</td><td>${g.shortId}</td><td>${g.family}</td><td>${g.vendor}</td></tr>`)}</tbody></table>`
    : ''
}
${
  releases.length
    ? html`<h2>Hypervisor releases (${releases.length})</h2><ul>${releases.map(({ h, r }) => html`<li>${link(releaseHref(r.id), r.name)} <span class="muted">${h.key}:${r.version}</span></li>`)}</ul>`
    : ''
}
${
  devices.length
    ? html`<h2>Devices (${d.byBus ? devices.length : d.devices.totalCount})</h2><table><thead><tr><th scope="col">Name</th><th scope="col">Bus id</th><th scope="col">Class</th><th scope="col">Kind</th></tr></thead><tbody>
${devices.map((x) => html`<tr><td>${link(deviceHref(x.id), x.name)}</td><td>${x.busId}</td><td>${x.class}</td><td>${x.kind}</td></tr>`)}</tbody></table>`
    : ''
}
${
  features.length
    ? html`<h2>Hardware features (${features.length})</h2><ul>${features.map((f) => html`<li><strong>${f.key}</strong>: ${f.name} <span class="muted">${f.category}</span></li>`)}</ul>`
    : ''
}`,
  );
};

const GUEST_QUERY = `query WebGuest($id: ID, $shortId: String) { guestOS(id: $id, shortId: $shortId) {
  id name shortIds family distro vendor version codename releaseDate eolDate releaseStatus architectures kernel tpmRequired cloudInit
  derivesFrom { id name } clonedFrom { id name } ancestors { id name }
  provenance { source sourceRef }
  devices(includeRemoved: true) { device { id name busId class kind paravirtInterface } supported driverSource driverName minDriverVersion inherited inheritedFrom { id name } source notes }
  paravirt { feature { key name family kind } supported inherited inheritedFrom { id name } minKernel minDriverVersion notes }
  firmware { arch type secureBoot supported inheritedFrom { id name } }
  resources { arch kind cpus cpuHz ramBytes storageBytes inheritedFrom { id name } }
  compatibilityRecords { id status backend source hypervisorRelease { id name } submitter { name } evidence { url date notes } }
  corrections { field value replaced { value source } reason source sourceRef status }
} }`;

const from = (x: { inheritedFrom: { id: string; name: string } | null }) =>
  x.inheritedFrom ? html`inherited from ${link(guestHref(x.inheritedFrom.id), x.inheritedFrom.name)}` : html`this release`;
const bytes = (n: number | null) => (n == null ? '' : n >= 2 ** 30 ? `${+(n / 2 ** 30).toFixed(1)} GiB` : `${Math.round(n / 2 ** 20)} MiB`);

export const guest: Handler = async (req, res, w) => {
  const ref = param(req, 'id');
  if (!ref) throw new PageError(400, 'which guest? give ?id=<id or short id>', 'BAD_USER_INPUT');
  const d = await w.gql<{ guestOS: GuestAnswer | null }>(GUEST_QUERY, ref.includes('/') ? { id: ref } : { shortId: ref });
  const g = d.guestOS;
  if (!g) throw new PageError(404, `no guest OS '${ref}'`, 'GUEST_OS_NOT_FOUND');
  const byFamily = new Map<string, GuestAnswer['paravirt']>();
  for (const p of g.paravirt) byFamily.set(p.feature.family, [...(byFamily.get(p.feature.family) ?? []), p]);
  sendPage(
    res,
    w,
    g.name,
    '/search',
    html`${dl([
      ['Id', g.id],
      ['Short ids', g.shortIds.join(', ')],
      ['Family', [g.family, g.distro].filter(Boolean).join(' / ')],
      ['Vendor', g.vendor],
      ['Version', [g.version, g.codename].filter(Boolean).join(' ')],
      ['Released', g.releaseDate],
      ['End of life', g.eolDate],
      ['Status', g.releaseStatus],
      ['Architectures', g.architectures.join(', ')],
      ['Kernel', g.kernel],
      ['TPM required', g.tpmRequired == null ? null : g.tpmRequired ? 'yes' : 'no'],
      ['Derives from', g.derivesFrom ? link(guestHref(g.derivesFrom.id), g.derivesFrom.name) : null],
      ['Cloned from', g.clonedFrom ? link(guestHref(g.clonedFrom.id), g.clonedFrom.name) : null],
      [
        'Inheritance',
        g.ancestors.length ? html`${g.ancestors.map((a, i) => html`${i ? ' → ' : ''}${link(guestHref(a.id), a.name)}`)}` : null,
      ],
      [
        'Source',
        html`${g.provenance.source}${g.provenance.sourceRef ? html` (${link(g.provenance.sourceRef, g.provenance.sourceRef)})` : ''}`,
      ],
    ])}
<p>${link(`/matrix?guest=${encodeURIComponent(g.shortIds[0] ?? g.id)}`, 'This guest in the matrix')} · ${link(`/planner?guest=${encodeURIComponent(g.shortIds[0] ?? g.id)}`, 'Plan a VM')}</p>
<h2>Devices (${g.devices.filter((x) => x.supported).length} driven)</h2>
<table><thead><tr><th scope="col">Device</th><th scope="col">Bus id</th><th scope="col">Class</th><th scope="col">Kind</th><th scope="col">Driver</th><th scope="col">Where from</th></tr></thead><tbody>
${g.devices.map(
  (
    x,
  ) => html`<tr${x.supported ? '' : html` class="removed-row"`}><td>${link(deviceHref(x.device.id), x.device.name)}${x.supported ? '' : html` <strong>removed</strong>`}</td>
<td>${x.device.busId}</td><td>${x.device.class}</td><td>${x.device.kind}${x.device.paravirtInterface !== 'NONE' ? html` (${x.device.paravirtInterface})` : ''}</td>
<td>${x.driverSource}${x.driverName ? html` ${x.driverName}` : ''}${x.minDriverVersion ? html` ≥ ${x.minDriverVersion}` : ''}</td>
<td>${x.supported ? from(x) : html`removed in ${x.inheritedFrom ? link(guestHref(x.inheritedFrom.id), x.inheritedFrom.name) : 'this release'}`}</td></tr>`,
)}</tbody></table>
<h2>Paravirt support per hypervisor</h2>
${
  byFamily.size
    ? [...byFamily].map(
        ([fam, rows]) =>
          html`<h3>${fam}</h3><ul>${rows.map(
            (p) =>
              html`<li>${p.supported ? '' : html`<strong>not</strong> `}${p.feature.name} <span class="muted">(${p.feature.kind.toLowerCase()}${p.minKernel ? html`, kernel ≥ ${p.minKernel}` : ''}; ${from(p)})</span></li>`,
          )}</ul>`,
      )
    : html`<p>None recorded.</p>`
}
<h2>Firmware</h2>
${g.firmware.length ? html`<ul>${g.firmware.map((f) => html`<li>${f.supported ? '' : html`<strong>not</strong> `}${f.type}${f.secureBoot ? ' with Secure Boot' : ''} (${f.arch}; ${from(f)})</li>`)}</ul>` : html`<p>None recorded.</p>`}
<h2>Resources</h2>
${
  g.resources.length
    ? html`<table><thead><tr><th scope="col">Kind</th><th scope="col">Arch</th><th scope="col">CPUs</th><th scope="col">RAM</th><th scope="col">Storage</th><th scope="col">Where from</th></tr></thead><tbody>
${g.resources.map((r) => html`<tr><td>${r.kind}</td><td>${r.arch}</td><td>${r.cpus}</td><td>${bytes(r.ramBytes)}</td><td>${bytes(r.storageBytes)}</td><td>${from(r)}</td></tr>`)}</tbody></table>`
    : html`<p>None recorded.</p>`
}
<h2>Records</h2>
${recordsTable(g.compatibilityRecords, 'guest')}
<h2>Corrections</h2>
${correctionsTable(g.corrections)}`,
  );
};

const shown = (v: unknown) => (v == null ? html`<span class="muted">nothing</span>` : Array.isArray(v) ? v.join(', ') : String(v));

/** What another source says and what the catalogue says instead, whose each is, and why (seed/provenance.ts). */
function correctionsTable(rows: CorrectionRow[]): Html {
  if (!rows.length) return html`<p>None: every value above is its source's own.</p>`;
  return html`<table class="corrections"><thead><tr><th scope="col">Field</th><th scope="col">Was</th><th scope="col">Now</th><th scope="col">Why</th><th scope="col">Status</th></tr></thead><tbody>
${rows.map(
  (
    c,
  ) => html`<tr><td>${c.field}</td><td>${shown(c.replaced.value)} <span class="muted">(${c.replaced.source ?? 'no other source'})</span></td>
<td>${shown(c.value)} <span class="muted">(${c.source})</span></td>
<td>${c.reason}${c.sourceRef ? html` (${link(c.sourceRef, 'source')})` : ''}</td><td>${c.status}</td></tr>`,
)}</tbody></table>`;
}

function recordsTable(records: RecordRow[], omit: 'guest' | 'release'): Html {
  if (!records.length) return html`<p>No accepted records.</p>`;
  return html`<table><thead><tr><th scope="col">Record</th>${omit === 'guest' ? html`<th scope="col">Hypervisor release</th>` : html`<th scope="col">Guest</th>`}<th scope="col">Status</th><th scope="col">Backend</th><th scope="col">Submitter</th><th scope="col">Evidence</th></tr></thead><tbody>
${records.map(
  (r) => html`<tr><td>${link(recordHref(r.id), r.id.slice(0, 8))}</td>
<td>${omit === 'guest' ? link(releaseHref(r.hypervisorRelease.id), r.hypervisorRelease.name) : link(guestHref(r.guest.id), r.guest.name)}</td>
<td>${r.status}</td><td>${r.backend}</td><td>${r.submitter?.name ?? r.source}</td>
<td>${r.evidence?.url ? link(r.evidence.url, r.evidence.date ?? 'link') : (r.evidence?.date ?? '')}</td></tr>`,
)}</tbody></table>`;
}

const RELEASE_QUERY = `query WebRelease($id: ID!) {
  hypervisorRelease(id: $id) { id name version releaseDate eolDate notes machineTypes firmware maxVcpus maxMemoryMiB sriov vfio virtualHardwareVersion
    limitsNotPublished { field status looked note }
    hypervisor { key name family vendor }
    devices { model supported notes device { id name busId class kind } }
    paravirt { supported notes feature { key name kind } }
    hostFeatures { requirement anyOf notes feature { key name } }
    provenance { source sourceRef } }
  compatibilityRecords(first: 100, filter: { hypervisorRelease: $id }) { totalCount nodes { id status backend source guest { id name } submitter { name } evidence { url date } } }
}`;

export const release: Handler = async (req, res, w) => {
  const id = param(req, 'id');
  if (!id) throw new PageError(400, 'which hypervisor release? give ?id=<release id>', 'BAD_USER_INPUT');
  const d = await w.gql<{ hypervisorRelease: ReleaseAnswer | null; compatibilityRecords: { totalCount: number; nodes: RecordRow[] } }>(
    RELEASE_QUERY,
    { id },
  );
  const r = d.hypervisorRelease;
  if (!r) throw new PageError(404, `no hypervisor release '${id}'`, 'HYPERVISOR_RELEASE_NOT_FOUND');
  const kinds = ['BACKEND', 'FEATURE', 'ENLIGHTENMENT', 'DEVICE_FAMILY'];
  sendPage(
    res,
    w,
    r.name,
    '/search',
    html`${dl([
      ['Id', r.id],
      ['Hypervisor', `${r.hypervisor.name} (${r.hypervisor.key}, ${r.hypervisor.family})`],
      ['Version', r.version],
      ['Released', r.releaseDate],
      ['End of life', r.eolDate],
      ['Machine types', r.machineTypes.join(', ')],
      ['Firmware', r.firmware.join(', ')],
      ['Limits', [r.maxVcpus ? `${r.maxVcpus} vCPUs` : '', r.maxMemoryMiB ? `${r.maxMemoryMiB} MiB RAM` : ''].filter(Boolean).join(', ')],
      [
        'Limits not given',
        r.limitsNotPublished.length
          ? html`<ul>${r.limitsNotPublished.map(
              (l) =>
                html`<li>${l.field}: ${l.status === 'NOT_PUBLISHED' ? 'not published' : 'not recorded yet'}. ${l.note} (looked: ${l.looked.map((u, i) => html`${i ? ', ' : ''}${link(u, u)}`)})</li>`,
            )}</ul>`
          : null,
      ],
      ['Virtual hardware version', r.virtualHardwareVersion],
      ['Passthrough', `VFIO ${r.vfio ? 'yes' : 'no'}, SR-IOV ${r.sriov ? 'yes' : 'no'}`],
      ['Notes', r.notes],
      [
        'Source',
        html`${r.provenance.source}${r.provenance.sourceRef ? html` (${link(r.provenance.sourceRef, r.provenance.sourceRef)})` : ''}`,
      ],
    ])}
<p>${link(`/matrix?hypervisor=${encodeURIComponent(r.hypervisor.key)}`, `${r.hypervisor.name} in the matrix`)}</p>
<h2>Host requirements</h2>
${
  r.hostFeatures.length
    ? html`<ul>${r.hostFeatures.map((h) => html`<li>${h.requirement.toLowerCase().replace(/_/g, ' ')}: ${h.feature.name} (${h.feature.key})${h.anyOf ? html` <span class="muted">one of group ${h.anyOf}</span>` : ''}${h.notes ? html` · ${h.notes}` : ''}</li>`)}</ul>`
    : html`<p>None recorded.</p>`
}
<h2>Paravirt modes and features</h2>
${kinds.map((k) => {
  const rows = r.paravirt.filter((p) => p.feature.kind === k);
  return rows.length
    ? html`<h3>${k.toLowerCase().replace('_', ' ')}</h3><ul>${rows.map((p) => html`<li>${p.supported ? '' : html`<strong>not</strong> `}${p.feature.name} (${p.feature.key})</li>`)}</ul>`
    : '';
})}
<h2>Devices it presents</h2>
<table><thead><tr><th scope="col">Model</th><th scope="col">Device</th><th scope="col">Bus id</th><th scope="col">Class</th><th scope="col">Kind</th><th scope="col">Supported</th></tr></thead><tbody>
${r.devices.map((x) => html`<tr><td>${x.model}</td><td>${link(deviceHref(x.device.id), x.device.name)}</td><td>${x.device.busId}</td><td>${x.device.class}</td><td>${x.device.kind}</td><td>${x.supported ? 'yes' : 'no'}</td></tr>`)}</tbody></table>
<h2>Guests with records on it (${d.compatibilityRecords.totalCount})</h2>
${recordsTable(d.compatibilityRecords.nodes, 'release')}`,
  );
};

const RECORD_FIELDS = `id status backend source reviewState reviewReason reviewedAt createdAt current
  guest { id name } hypervisorRelease { id name } submitter { id name } evidence { url date notes }
  device { id name } hostFeature { key name } testedDevices { id name }`;

export const record: Handler = async (req, res, w) => {
  const id = param(req, 'id');
  if (!id) throw new PageError(400, 'which record? give ?id=<record id>', 'BAD_USER_INPUT');
  const d = await w.gql<{ compatibilityRecord: RecordAnswer | null }>(
    `query WebRecord($id: ID!) { compatibilityRecord(id: $id) { ${RECORD_FIELDS}
      supersedes { id } supersededBy { id } proposedSupersedes { id } } }`,
    { id },
  );
  const r = d.compatibilityRecord;
  if (!r) throw new PageError(404, `no record '${id}' (or not visible to you)`, 'RECORD_NOT_FOUND');
  const h = await w.gql<{ compatibilityRecords: { nodes: HistoryRow[] } }>(
    `query WebRecordHistory($guest: String!, $release: ID!, $submitter: ID) {
      compatibilityRecords(first: 100, filter: { guest: $guest, hypervisorRelease: $release, submitter: $submitter, includeSuperseded: true }) {
        nodes { id status reviewState createdAt current supersedes { id } } } }`,
    { guest: r.guest.id, release: r.hypervisorRelease.id, submitter: r.submitter?.id ?? null },
  );
  sendPage(
    res,
    w,
    `Record ${r.id.slice(0, 8)}: ${r.guest.name} on ${r.hypervisorRelease.name}`,
    '/search',
    html`${dl([
      ['Id', r.id],
      ['Guest', link(guestHref(r.guest.id), r.guest.name)],
      ['Hypervisor release', link(releaseHref(r.hypervisorRelease.id), r.hypervisorRelease.name)],
      ['Status', html`<strong>${r.status}</strong>`],
      ['Backend', r.backend],
      ['Device', r.device?.name],
      ['Host feature', r.hostFeature ? `${r.hostFeature.name} (${r.hostFeature.key})` : null],
      ['Tested devices', r.testedDevices.map((x) => x.name).join(', ')],
      ['Submitter', r.submitter?.name ?? r.source],
      ['Review', html`${r.reviewState}${r.reviewedAt ? html` at ${r.reviewedAt}` : ''}${r.reviewReason ? html`: ${r.reviewReason}` : ''}`],
      ['Created', r.createdAt],
      ['Current', r.current ? 'yes' : html`no, superseded by ${link(recordHref(r.supersededBy?.id ?? ''), r.supersededBy?.id)}`],
      ['Supersedes', r.supersedes ? link(recordHref(r.supersedes.id), r.supersedes.id) : null],
      ['Will supersede', r.proposedSupersedes ? link(recordHref(r.proposedSupersedes.id), r.proposedSupersedes.id) : null],
    ])}
<h2>Evidence</h2>
${
  r.evidence.url || r.evidence.notes || r.evidence.date
    ? dl([
        ['URL', r.evidence.url ? link(r.evidence.url, r.evidence.url) : null],
        ['Date', r.evidence.date],
        ['Notes', r.evidence.notes],
      ])
    : html`<p>None given.</p>`
}
<h2>History</h2>
<table><thead><tr><th scope="col">Record</th><th scope="col">Status</th><th scope="col">Review</th><th scope="col">Created</th><th scope="col">Current</th></tr></thead><tbody>
${h.compatibilityRecords.nodes.map(
  (x) =>
    html`<tr><td>${x.id === r.id ? html`<strong>${x.id.slice(0, 8)}</strong>` : link(recordHref(x.id), x.id.slice(0, 8))}</td><td>${x.status}</td><td>${x.reviewState}</td><td>${x.createdAt}</td><td>${x.current ? 'yes' : 'superseded'}</td></tr>`,
)}</tbody></table>`,
  );
};

export const device: Handler = async (req, res, w) => {
  const id = param(req, 'id');
  if (!id) throw new PageError(400, 'which device? give ?id=<device id>', 'BAD_USER_INPUT');
  const d = await w.gql<{ device: DeviceAnswer | null }>(
    `query WebDevice($id: ID!) { device(id: $id) { id name busId bus class kind paravirtInterface vendorName description
      provenance { source sourceRef }
      presentedBy { model supported release { id name } }
      equivalents { group hypervisorKey device { id name } } } }`,
    { id },
  );
  const x = d.device;
  if (!x) throw new PageError(404, `no device '${id}'`, 'DEVICE_NOT_FOUND');
  sendPage(
    res,
    w,
    x.name,
    '/search',
    html`${dl([
      ['Id', x.id],
      ['Bus', `${x.bus}${x.busId ? ` ${x.busId}` : ''}`],
      ['Vendor', x.vendorName],
      ['Class', x.class],
      ['Kind', `${x.kind}${x.paravirtInterface !== 'NONE' ? ` (${x.paravirtInterface})` : ''}`],
      ['Description', x.description],
      ['Source', x.provenance.source],
    ])}
<h2>Presented by</h2>
${x.presentedBy.length ? html`<ul>${x.presentedBy.map((p) => html`<li>${link(releaseHref(p.release.id), p.release.name)} as <code>${p.model}</code>${p.supported ? '' : ' (not supported)'}</li>`)}</ul>` : html`<p>No hypervisor release records it.</p>`}
<h2>Equivalents on other hypervisors</h2>
${x.equivalents.length ? html`<ul>${x.equivalents.map((e) => html`<li>${link(deviceHref(e.device.id), e.device.name)} <span class="muted">${e.hypervisorKey ?? ''} (${e.group})</span></li>`)}</ul>` : html`<p>None recorded.</p>`}`,
  );
};
