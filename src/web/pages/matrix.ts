// The matrix: guest releases (rows, paged by the API's keyset cursors) × hypervisor releases
// (columns: the newest release of each hypervisor, or every release of one), each cell a level with
// its evidence level and the reasons behind it. Every view is a permalink (all state is in the
// query string) and `format=csv` / `format=json` download exactly the cells shown.
import type { Response } from 'express';
import { html, qs } from '../html.ts';
import { type Handler, param, sendPage, type WebCtx } from '../ctx.ts';
import type { Gql } from '../gql.ts';
import { guestHref, releaseHref, select } from '../layout.ts';
import { at, must } from '../../util/must.ts';

export const LEVELS = ['CERTIFIED', 'SUPPORTED', 'WORKS', 'LIKELY', 'PARTIAL', 'CONFLICT', 'BROKEN', 'UNSUPPORTED', 'UNKNOWN'] as const;
/**
 * Who stands behind a cell (strongest first): the hypervisor's vendor certified it, the guest's vendor
 * tested it, someone else reported it, or no record and a rule over the catalogue derived it; no
 * record and no rule: unknown; records at the same strongest level disagree: conflict.
 */
export const EVIDENCE = ['vendor_certified', 'guest_vendor_tested', 'user_reported', 'derived', 'unknown', 'conflict'] as const;
export type EvidenceLevel = (typeof EVIDENCE)[number];

const PAGE_SIZE = 50;
/** Query.matrix takes at most 100 hypervisor releases at once (200 guests: a page is fewer). */
const RELEASES_PER_OPERATION = 100;

export interface Column {
  id: string;
  name: string;
  hypervisor: string;
  key: string;
}
export interface Row {
  id: string;
  name: string;
  shortId: string | null;
  family: string | null;
  vendor: string | null;
}
export interface Cell {
  guest: string;
  release: string;
  level: string;
  evidence: EvidenceLevel;
  basis: string;
  reasons: string[];
  records: string[];
}

export function evidenceOf(v: { level: string; basis: string; evidenceLevel: string | null }): EvidenceLevel {
  if (v.level === 'CONFLICT') return 'conflict';
  if (v.basis === 'UNKNOWN') return 'unknown';
  if (v.basis === 'DERIVED') return 'derived';
  switch (v.evidenceLevel) {
    case 'VENDOR_CERTIFIED':
      return 'vendor_certified';
    case 'GUEST_VENDOR_TESTED':
      return 'guest_vendor_tested';
    case 'USER_REPORTED':
      return 'user_reported';
    default:
      return 'derived';
  }
}

interface Filters {
  family: string;
  vendor: string;
  hypervisor: string;
  level: string;
  evidence: string;
  guest: string;
  after: string;
}

function filtersOf(req: Parameters<Handler>[0]): Filters {
  return {
    family: param(req, 'family'),
    vendor: param(req, 'vendor'),
    hypervisor: param(req, 'hypervisor'),
    level: param(req, 'level').toUpperCase(),
    evidence: param(req, 'evidence').toLowerCase(),
    guest: param(req, 'guest'),
    after: param(req, 'after'),
  };
}

interface Hv {
  key: string;
  name: string;
  releases: Array<{ id: string; name: string; version: string }>;
}

interface MatrixCellAnswer {
  level: string;
  basis: string;
  evidenceLevel: string | null;
  reasons: string[];
  conflicts: Array<{ reason: string }>;
  backends: Array<{ backend: string | null; level: string; basis: string; evidenceLevel: string | null; records: Array<{ id: string }> }>;
}

/** The cells of rows × columns: one `matrix` operation per hundred columns (one for any page but a hypervisor's full history). */
async function cells(gql: Gql, rows: Row[], cols: Column[]): Promise<Cell[]> {
  if (!rows.length || !cols.length) return [];
  const byPair = new Map<string, Cell>();
  for (let j = 0; j < cols.length; j += RELEASES_PER_OPERATION) {
    const part = cols.slice(j, j + RELEASES_PER_OPERATION);
    const d = await gql<{ matrix: { cells: MatrixCellAnswer[] } }>(
      `query WebMatrix($guests: [String!]!, $releases: [String!]!) {
        matrix(guests: $guests, hypervisorReleases: $releases) {
          cells { level basis evidenceLevel reasons conflicts { reason } backends { backend level basis evidenceLevel records { id } } }
        }
      }`,
      { guests: rows.map((r) => r.id), releases: part.map((c) => c.id) },
    );
    for (const [i, r] of rows.entries())
      for (const [k, c] of part.entries()) {
        // row-major: guests[i] on releases[k] is cells[i * releases + k]
        byPair.set(`${r.id} ${c.id}`, toCell(r.id, c.id, at(d.matrix.cells, i * part.length + k)));
      }
  }
  return rows.flatMap((r) => cols.map((c) => must(byPair.get(`${r.id} ${c.id}`), `cell ${r.id} on ${c.id}`)));
}

export function toCell(guest: string, release: string, v: MatrixCellAnswer): Cell {
  const backends = v.backends.filter((b) => b.backend !== null);
  return {
    guest,
    release,
    level: v.level,
    evidence: evidenceOf(v),
    basis: v.basis,
    reasons: [
      ...v.reasons,
      ...v.conflicts.map((c) => `conflict: ${c.reason}`),
      ...backends.map((b) => `backend ${b.backend}: ${b.level.toLowerCase()} (${evidenceOf(b).replace(/_/g, ' ')})`),
    ],
    records: [...new Set(v.backends.flatMap((b) => b.records.map((r) => r.id)))],
  };
}

export interface MatrixView {
  filters: Filters;
  hypervisors: Hv[];
  columns: Column[];
  rows: Row[];
  cells: Cell[];
  totalGuests: number;
  nextAfter: string | null;
}

export async function loadMatrix(gql: Gql, f: Filters): Promise<MatrixView> {
  const d = await gql<{
    hypervisors: { nodes: Hv[] };
    guestOSes: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: Row[] };
    one: Row | null;
  }>(
    `query WebMatrixAxes($filter: GuestOSFilter, $after: String, $first: Int!, $one: String, $byOne: Boolean!) {
      hypervisors(first: 20) { nodes { key name releases { id name version } } }
      guestOSes(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } nodes { id name shortId family vendor } }
      one: guestOS(shortId: $one) @include(if: $byOne) { id name shortId family vendor }
    }`,
    {
      filter: { family: f.family || null, vendor: f.vendor || null },
      after: f.after || null,
      first: f.guest ? 0 : PAGE_SIZE,
      one: f.guest || null,
      byOne: !!f.guest,
    },
  );
  const hvs = d.hypervisors.nodes;
  const columns: Column[] = hvs
    .filter((h) => !f.hypervisor || h.key === f.hypervisor)
    .flatMap((h) =>
      (f.hypervisor ? h.releases : h.releases.slice(-1)).map((r) => ({
        id: r.id,
        name: r.name,
        hypervisor: h.name,
        key: `${h.key}:${r.version}`,
      })),
    );
  const rows = f.guest ? (d.one ? [d.one] : []) : d.guestOSes.nodes;
  let all = await cells(gql, rows, columns);
  if (f.level) all = all.filter((c) => c.level === f.level);
  if (f.evidence) all = all.filter((c) => c.evidence === f.evidence);
  const shownRows = f.level || f.evidence ? rows.filter((r) => all.some((c) => c.guest === r.id)) : rows;
  return {
    filters: f,
    hypervisors: hvs,
    columns,
    rows: shownRows,
    cells: all,
    totalGuests: f.guest ? rows.length : d.guestOSes.totalCount,
    nextAfter: !f.guest && d.guestOSes.pageInfo.hasNextPage ? d.guestOSes.pageInfo.endCursor : null,
  };
}

const csvField = (s: string) =>
  /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${(/^[=+\-@]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"` : s;

export function toCsv(v: MatrixView): string {
  const rowName = new Map(v.rows.map((r) => [r.id, r.name]));
  const colName = new Map(v.columns.map((c) => [c.id, c.key]));
  const lines = [['guest_id', 'guest', 'hypervisor_release_id', 'hypervisor_release', 'level', 'evidence', 'basis', 'reasons'].join(',')];
  for (const c of v.cells)
    lines.push(
      [c.guest, rowName.get(c.guest) ?? '', c.release, colName.get(c.release) ?? '', c.level, c.evidence, c.basis, c.reasons.join(' | ')]
        .map(csvField)
        .join(','),
    );
  return `${lines.join('\r\n')}\r\n`;
}

function download(res: Response, v: MatrixView, format: string): void {
  res.set({ 'cache-control': 'private, no-cache', vary: 'Cookie' });
  if (format === 'csv') {
    res
      .set({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="virtcompat-matrix.csv"' })
      .send(toCsv(v));
  } else {
    res
      .set({ 'content-type': 'application/json; charset=utf-8', 'content-disposition': 'attachment; filename="virtcompat-matrix.json"' })
      .send(JSON.stringify({ filters: v.filters, columns: v.columns, rows: v.rows, cells: v.cells, nextAfter: v.nextAfter }, null, 2));
  }
}

export const matrix: Handler = async (req, res, w: WebCtx) => {
  const f = filtersOf(req);
  const format = param(req, 'format');
  const v = await loadMatrix(w.gql, f);
  if (format === 'csv' || format === 'json') return download(res, v, format);
  const view = { family: f.family, vendor: f.vendor, hypervisor: f.hypervisor, level: f.level, evidence: f.evidence, guest: f.guest };
  const here = { ...view, after: f.after };
  const byKey = new Map(v.cells.map((c) => [`${c.guest} ${c.release}`, c]));
  sendPage(
    res,
    w,
    'Compatibility matrix',
    '/matrix',
    html`<form method="get" action="/matrix" class="filters" aria-label="Matrix filters">
<div><label for="f-family">Guest family</label><input id="f-family" name="family" value="${f.family}" size="10" placeholder="linux, winnt"></div>
<div><label for="f-vendor">Guest vendor</label><input id="f-vendor" name="vendor" value="${f.vendor}" size="14"></div>
<div>${select('hypervisor', 'Hypervisor', [['', 'all (newest release each)'], ...v.hypervisors.map((h): [string, string] => [h.key, h.name])], f.hypervisor)}</div>
<div>${select('level', 'Level', [['', 'any'], ...LEVELS.map((x): [string, string] => [x, x.toLowerCase()])], f.level)}</div>
<div>${select('evidence', 'Evidence', [['', 'any'], ...EVIDENCE.map((x): [string, string] => [x, x])], f.evidence)}</div>
<div><label for="f-guest">One guest (short id)</label><input id="f-guest" name="guest" value="${f.guest}" size="12"></div>
<button type="submit">Show</button>
</form>
<p>
<a href="/matrix${qs(here)}" rel="bookmark">Permalink to this view</a> ·
<a href="/matrix${qs({ ...here, format: 'csv' })}" download>Download CSV</a> ·
<a href="/matrix${qs({ ...here, format: 'json' })}" download>Download JSON</a>
</p>
<p class="muted">${v.rows.length} of ${v.totalGuests} guest releases on this page; ${v.columns.length} hypervisor releases.
Evidence: <em>vendor_certified</em> (a record from the hypervisor's vendor), <em>guest_vendor_tested</em> (from the guest's vendor),
<em>user_reported</em> (from anyone else; records count for this release or an ancestor),
<em>derived</em> (no record: from what the guest drives and the hypervisor presents), <em>unknown</em> (no record, no rule),
<em>conflict</em> (records at the same strongest level disagree). Each cell's "why" lists every backend's level.</p>
<div class="matrix-wrap" tabindex="0" role="region" aria-label="Matrix"><table class="matrix">
<caption class="muted">Guest releases × hypervisor releases</caption>
<thead><tr><th scope="col">Guest release</th>${v.columns.map((c) => html`<th scope="col"><a href="${releaseHref(c.id)}">${c.name}</a><span class="ev">${c.key}</span></th>`)}</tr></thead>
<tbody>
${v.rows.map(
  (r) =>
    html`<tr><th scope="row"><a href="${guestHref(r.id)}">${r.name}</a></th>${v.columns.map((c) => {
      const cell = byKey.get(`${r.id} ${c.id}`);
      if (!cell) return html`<td class="cell"></td>`;
      return html`<td class="cell lv-${cell.level}" data-guest="${r.id}" data-release="${c.id}" title="${cell.reasons.join('\n')}">
<span class="lv">${cell.level.toLowerCase()}</span><span class="ev">${cell.evidence}</span>
<details class="why"><summary>why<span class="sr-only"> (${r.name} on ${c.name})</span></summary><ul>${cell.reasons.map((x) => html`<li>${x}</li>`)}</ul>${cell.records.length ? html`<a href="/record?id=${encodeURIComponent(cell.records[0] ?? '')}">record</a>` : ''}</details></td>`;
    })}</tr>`,
)}
</tbody></table></div>
<nav class="pager" aria-label="Pages">${f.after ? html`<a href="/matrix${qs(view)}">First page</a>` : ''}${v.nextAfter ? html`<a href="/matrix${qs({ ...view, after: v.nextAfter })}">Next ${PAGE_SIZE} guests</a>` : ''}</nav>`,
  );
};
