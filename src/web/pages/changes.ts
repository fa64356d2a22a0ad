// The change feed as a page ("what changed since …") and as Atom. The feed (Query.changes) runs in
// commit order from a cursor; the newest entries start after `latest seq − N`, where the latest seq
// is the first part of catalogueVersion.
import { html, qs } from '../html.ts';
import { type Handler, param, sendPage } from '../ctx.ts';
import type { Gql } from '../gql.ts';
import { guestHref, link, recordHref, releaseHref } from '../layout.ts';

const PAGE = 50;

interface ChangeRow {
  seq: string;
  cursor: string;
  at: string;
  op: string;
  entityType: string;
  entityId: string;
  guestIds: string[];
  hypervisorReleaseIds: string[];
  record: { id: string; status: string; guest: { id: string; name: string }; hypervisorRelease: { id: string; name: string } } | null;
}

const CHANGES = `query WebChanges($after: String, $first: Int!) { catalogueVersion
  changes(after: $after, first: $first) { pageInfo { hasNextPage endCursor }
    nodes { seq cursor at op entityType entityId guestIds hypervisorReleaseIds
      record { id status guest { id name } hypervisorRelease { id name } } } } }`;

/**
 * The cursor just before the first change committed at or after `date`: a binary search over the
 * feed (the first change after a cursor, one at a time), about log2(changes) small reads.
 */
async function cursorAt(gql: Gql, date: Date): Promise<string> {
  const v = await gql<{ catalogueVersion: string }>(`query WebVersion { catalogueVersion }`);
  let lo = 0;
  let hi = Number.parseInt(v.catalogueVersion.split('.')[0] ?? '0', 10) || 0;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const d = await gql<{ changes: { nodes: Array<{ at: string }> } }>(
      `query WebChangeAt($after: String) { changes(after: $after, first: 1) { nodes { at } } }`,
      {
        after: String(mid),
      },
    );
    const first = d.changes.nodes[0];
    if (!first || Date.parse(first.at) >= date.getTime()) hi = mid;
    else lo = mid + 1;
  }
  return String(lo);
}

/** `since` a cursor or a date: the changes after it, oldest first; without one, the newest PAGE, newest first. */
async function load(gql: Gql, sinceParam: string) {
  const isDate = /^\d{4}-\d{2}-\d{2}/.test(sinceParam) && !Number.isNaN(Date.parse(sinceParam));
  const since = isDate ? await cursorAt(gql, new Date(sinceParam)) : sinceParam;
  if (since) {
    const d = await gql<{
      catalogueVersion: string;
      changes: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: ChangeRow[] };
    }>(CHANGES, { after: since, first: PAGE });
    return {
      nodes: d.changes.nodes,
      next: d.changes.pageInfo.hasNextPage ? d.changes.pageInfo.endCursor : null,
      latest: d.catalogueVersion,
    };
  }
  const v = await gql<{ catalogueVersion: string }>(`query WebVersion { catalogueVersion }`);
  const latest = Number.parseInt(v.catalogueVersion.split('.')[0] ?? '0', 10) || 0;
  const d = await gql<{ changes: { nodes: ChangeRow[] } }>(CHANGES, { after: String(Math.max(0, latest - PAGE)), first: PAGE });
  return { nodes: [...d.changes.nodes].reverse(), next: null, latest: v.catalogueVersion };
}

function describe(c: ChangeRow) {
  if (c.record)
    return html`${c.op === 'SUPERSEDE' ? 'superseded by ' : ''}${link(recordHref(c.record.id), `record ${c.record.id.slice(0, 8)}`)}: ${link(guestHref(c.record.guest.id), c.record.guest.name)} on ${link(releaseHref(c.record.hypervisorRelease.id), c.record.hypervisorRelease.name)} is ${c.record.status.toLowerCase()}`;
  const href = c.entityType === 'GuestOS' ? guestHref(c.entityId) : c.entityType === 'HypervisorRelease' ? releaseHref(c.entityId) : null;
  return html`${c.entityType} ${href ? link(href, c.entityId) : c.entityId}`;
}

const title = (c: ChangeRow) =>
  c.record
    ? `${c.record.guest.name} on ${c.record.hypervisorRelease.name}: ${c.record.status.toLowerCase()}`
    : `${c.op.toLowerCase()} ${c.entityType} ${c.entityId}`;

export const changesPage: Handler = async (req, res, w) => {
  const since = param(req, 'since');
  const d = await load(w.gql, since);
  sendPage(
    res,
    w,
    since ? `Changes since ${/^\d+$/.test(since) ? `#${since}` : since}` : 'Latest changes',
    '/changes',
    html`<p>Subscribe: <a href="/changes.atom">Atom feed</a>. Catalogue version ${d.latest}.
${since ? html`<a href="/changes">Latest changes</a>.` : ''}</p>
<form method="get" action="/changes" class="filters"><div><label for="f-since">Changes since a date (YYYY-MM-DD) or after a change number</label><input id="f-since" name="since" value="${since}"></div><button type="submit">Show</button></form>
${
  d.nodes.length
    ? html`<table><thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Change</th><th scope="col">What</th></tr></thead><tbody>
${d.nodes.map((c) => html`<tr><td><a href="/changes${qs({ since: String(BigInt(c.seq) - 1n) })}">${c.seq}</a></td><td>${c.at}</td><td>${c.op.toLowerCase()}</td><td>${describe(c)}</td></tr>`)}</tbody></table>`
    : html`<p>No changes${since ? ' since then' : ''}.</p>`
}
${d.next ? html`<nav class="pager" aria-label="Pages"><a href="/changes${qs({ since: d.next })}">Later changes</a></nav>` : ''}`,
  );
};

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

export const changesAtom: Handler = async (req, res, w) => {
  const d = await load(w.gql, '');
  const base = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  const updated = d.nodes[0]?.at ?? new Date(0).toISOString();
  const entries = d.nodes
    .map((c) => {
      const href = c.record ? `${base}${recordHref(c.record.id)}` : `${base}/changes?since=${BigInt(c.seq) - 1n}`;
      return `<entry><id>${xml(`${base}/changes#${c.seq}`)}</id><title>${xml(title(c))}</title><updated>${xml(c.at)}</updated><link href="${xml(href)}"/><summary>${xml(`${c.op} ${c.entityType} ${c.entityId}`)}</summary></entry>`;
    })
    .join('\n');
  res
    .set({ 'content-type': 'application/atom+xml; charset=utf-8', 'cache-control': 'private, no-cache', vary: 'Cookie' })
    .send(
      `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom"><id>${xml(`${base}/changes`)}</id><title>virtcompat changes</title><updated>${xml(updated)}</updated><link rel="self" href="${xml(`${base}/changes.atom`)}"/><link href="${xml(`${base}/changes`)}"/><author><name>virtcompat</name></author>\n${entries}\n</feed>\n`,
    );
};
