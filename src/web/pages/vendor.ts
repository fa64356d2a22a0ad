// Vendors and maintainers: sign in with an API key (kept server-side, session.ts), submit records
// through the API's own mutation (so validation and its inputErrors are the API's), see review
// state; maintainers accept or reject pending records. Plain HTML forms with a CSRF token; no
// JavaScript needed.
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { html } from '../html.ts';
import { type Handler, sendPage, type WebCtx } from '../ctx.ts';
import { PageError } from '../gql.ts';
import type { MyRecord, PendingRecord } from './shapes.ts';
import { guestHref, link, recordHref, releaseHref, select } from '../layout.ts';

const STATUSES = ['CERTIFIED', 'SUPPORTED', 'WORKS', 'PARTIAL', 'BROKEN', 'UNSUPPORTED'];
const FIELDS = ['guest', 'hypervisorRelease', 'status', 'backend', 'evidenceUrl', 'evidenceDate', 'evidenceNotes'] as const;
type Field = (typeof FIELDS)[number];

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

function signInForm(w: WebCtx, error: string | null, status = 200): [string, ReturnType<typeof html>, number] {
  return [
    'Sign in',
    html`<p>Vendors and maintainers sign in with their API key. The key stays on the server: this browser gets only a session cookie.</p>
<form method="post" action="/vendor/sign-in">
<input type="hidden" name="_csrf" value="${w.csrf}">
<div class="field"><label for="f-key">API key</label><input id="f-key" name="key" type="password" autocomplete="off" size="60"${error ? html` aria-invalid="true" aria-describedby="err-key"` : ''} required>
${error ? html`<p class="field-error" id="err-key">${error}</p>` : ''}</div>
<button type="submit">Sign in</button></form>`,
    status,
  ];
}

export const signInPage: Handler = async (_req, res, w) => {
  if (w.viewer) return void res.redirect(303, '/vendor');
  const [t, b, s] = signInForm(w, null);
  sendPage(res, w, t, '/vendor', b, s);
};

/** Called by the router after the CSRF check; creates the session and sets the cookie. */
export async function signIn(
  req: Request,
  res: Response,
  w: WebCtx,
  check: (apiKey: string) => Promise<{ keyId: string } | string>,
  start: (apiKey: string, keyId: string) => Promise<void>,
): Promise<void> {
  const key = str(req.body?.key);
  const who = key ? await check(key) : 'give your API key';
  if (typeof who === 'string') {
    const [t, b, s] = signInForm(w, who, 401);
    return sendPage(res, w, t, '/vendor', b, s);
  }
  await start(key, who.keyId);
  res.redirect(303, '/vendor');
}

interface Values extends Record<Field, string> {
  idempotencyKey: string;
}

function submitForm(w: WebCtx, v: Values, errors: Partial<Record<Field | 'form', string>>) {
  const input = (name: Field, label: string, attrs = html``) =>
    html`<div class="field"><label for="f-${name}">${label}</label><input id="f-${name}" name="${name}" value="${v[name]}"${attrs}${errors[name] ? html` aria-invalid="true" aria-describedby="err-${name}"` : ''}>
${errors[name] ? html`<p class="field-error" id="err-${name}">${errors[name]}</p>` : ''}</div>`;
  return html`<h2>Submit a compatibility record</h2>
${errors.form ? html`<p class="error" role="alert">${errors.form}</p>` : ''}
<form method="post" action="/vendor/records" novalidate>
<input type="hidden" name="_csrf" value="${w.csrf}">
<input type="hidden" name="idempotencyKey" value="${v.idempotencyKey}">
${input('guest', 'Guest (short id or id)')}
${input('hypervisorRelease', 'Hypervisor release (key:version or id)', html` placeholder="kvm:8.2"`)}
<div class="field">${select(
    'status',
    'Status',
    STATUSES.map((s): [string, string] => [s, s.toLowerCase()]),
    v.status || 'WORKS',
  )}
${errors.status ? html`<p class="field-error" id="err-status">${errors.status}</p>` : ''}</div>
${input('backend', 'Paravirt backend (optional)', html` placeholder="kvm-hvm"`)}
${input('evidenceUrl', 'Evidence URL')}
${input('evidenceDate', 'Evidence date (YYYY-MM-DD)')}
${input('evidenceNotes', 'Evidence notes')}
<button type="submit">Submit for review</button></form>`;
}

const MY_RECORDS = `query WebMyRecords($vendor: ID!, $state: ReviewState) {
  compatibilityRecords(first: 50, filter: { submitter: $vendor, reviewState: $state, includeSuperseded: true }) {
    nodes { id status reviewState reviewReason createdAt guest { id name } hypervisorRelease { id name } } } }`;

async function dashboard(
  res: Response,
  w: WebCtx,
  v: Values,
  errors: Partial<Record<Field | 'form', string>>,
  notice: string | null,
  status = 200,
) {
  if (!w.viewer) return void res.redirect(303, '/vendor/sign-in');
  const vendor = w.viewer.vendor;
  const lists = vendor
    ? await Promise.all(
        ['PENDING', 'ACCEPTED', 'REJECTED'].map((s) =>
          w.gql<{ compatibilityRecords: { nodes: MyRecord[] } }>(MY_RECORDS, { vendor: vendor.id, state: s }),
        ),
      )
    : [];
  const rows = lists.flatMap((l) => l.compatibilityRecords.nodes).sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  const reviewer = w.viewer.role === 'MAINTAINER' || w.viewer.role === 'ADMIN';
  sendPage(
    res,
    w,
    vendor ? `Vendor: ${vendor.name}` : 'Vendors',
    '/vendor',
    html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<p>Signed in with key ${w.viewer.keyId} as ${w.viewer.role.toLowerCase()}.${reviewer ? html` ${link('/vendor/review', 'Review pending records')}.` : ''}</p>
${vendor ? submitForm(w, v, errors) : ''}
${
  vendor
    ? html`<h2>Your records</h2>${
        rows.length
          ? html`<table><thead><tr><th scope="col">Record</th><th scope="col">Guest</th><th scope="col">Hypervisor release</th><th scope="col">Status</th><th scope="col">Review</th></tr></thead><tbody>
${rows.map((r) => html`<tr><td>${link(recordHref(r.id), r.id.slice(0, 8))}</td><td>${link(guestHref(r.guest.id), r.guest.name)}</td><td>${link(releaseHref(r.hypervisorRelease.id), r.hypervisorRelease.name)}</td><td>${r.status}</td><td class="review-state">${r.reviewState}${r.reviewReason ? html`: ${r.reviewReason}` : ''}</td></tr>`)}</tbody></table>`
          : html`<p>None yet.</p>`
      }`
    : ''
}`,
    status,
  );
}

const fresh = (): Values => ({
  ...(Object.fromEntries(FIELDS.map((f) => [f, ''])) as Record<Field, string>),
  idempotencyKey: randomBytes(16).toString('hex'),
});

/** Maps an input error's path (["records","0","evidence","url"]) to the form field it belongs beside. */
export function fieldOf(path: string[]): Field | 'form' {
  const p = path.slice(path[0] === 'records' ? 2 : 0);
  if (p[0] === 'evidence')
    return p[1] === 'url' ? 'evidenceUrl' : p[1] === 'date' ? 'evidenceDate' : p[1] === 'notes' ? 'evidenceNotes' : 'evidenceUrl';
  return (FIELDS as readonly string[]).includes(p[0] ?? '') ? (p[0] as Field) : 'form';
}

export const submitRecord: Handler = async (req, res, w) => {
  if (!w.viewer?.vendor) throw new PageError(403, 'only a vendor’s submitter key submits records', 'FORBIDDEN');
  const b = req.body ?? {};
  const v: Values = {
    ...(Object.fromEntries(FIELDS.map((f) => [f, str(b[f])])) as Record<Field, string>),
    idempotencyKey: str(b.idempotencyKey) || fresh().idempotencyKey,
  };
  const evidence =
    v.evidenceUrl || v.evidenceDate || v.evidenceNotes
      ? { url: v.evidenceUrl || null, date: v.evidenceDate || null, notes: v.evidenceNotes || null }
      : null;
  const errors: Partial<Record<Field | 'form', string>> = {};
  if (evidence?.date && !/^\d{4}-\d{2}-\d{2}$/.test(evidence.date))
    errors.evidenceDate = `'${evidence.date}' is not a date: write YYYY-MM-DD`;
  if (!STATUSES.includes(v.status)) errors.status = `status is one of ${STATUSES.join(', ')}`;
  if (Object.keys(errors).length) return dashboard(res, w, v, errors, null, 400);
  const r = await w.gql.full<{
    submitCompatibilityRecords: {
      ok: boolean;
      inputErrors: Array<{ path: string[]; message: string }>;
      records: Array<{ record: { id: string } }>;
    };
  }>(
    `mutation WebSubmit($key: String!, $records: [CompatibilityRecordInput!]!) {
      submitCompatibilityRecords(idempotencyKey: $key, records: $records) { ok inputErrors { path message } records { record { id } } } }`,
    {
      key: v.idempotencyKey,
      records: [{ guest: v.guest, hypervisorRelease: v.hypervisorRelease, status: v.status, backend: v.backend || null, evidence }],
    },
  );
  const out = r.data?.submitCompatibilityRecords;
  if (r.errors.length || !out) return dashboard(res, w, v, { form: r.errors.map((e) => e.message).join('; ') }, null, 400);
  if (!out.ok) {
    for (const e of out.inputErrors) {
      const f = fieldOf(e.path);
      errors[f] = errors[f] ? `${errors[f]}; ${e.message}` : e.message;
    }
    // A new idempotency key: the corrected form is another request.
    return dashboard(res, w, { ...v, idempotencyKey: fresh().idempotencyKey }, errors, null, 400);
  }
  const id = out.records[0]?.record.id ?? '';
  res.redirect(303, `/vendor?submitted=${encodeURIComponent(id)}`);
};

export const vendorHome: Handler = async (req, res, w) => {
  const id = typeof req.query.submitted === 'string' ? req.query.submitted : null;
  return dashboard(res, w, fresh(), {}, id ? `Record ${id.slice(0, 8)} submitted: it is pending review.` : null);
};

export const reviewPage: Handler = async (req, res, w) => {
  if (!w.viewer) return void res.redirect(303, '/vendor/sign-in');
  if (w.viewer.role !== 'MAINTAINER' && w.viewer.role !== 'ADMIN')
    throw new PageError(403, 'reviewing needs a maintainer key', 'FORBIDDEN');
  const d = await w.gql<{ compatibilityRecords: { nodes: PendingRecord[] } }>(
    `query WebPending { compatibilityRecords(first: 100, filter: { reviewState: PENDING }) {
      nodes { id status backend createdAt guest { id name } hypervisorRelease { id name } submitter { id name } evidence { url date notes } } } }`,
  );
  const notice = typeof req.query.reviewed === 'string' ? `Record ${req.query.reviewed.slice(0, 8)} reviewed.` : null;
  sendPage(
    res,
    w,
    'Review pending records',
    '/vendor',
    html`${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
${
  d.compatibilityRecords.nodes.length
    ? d.compatibilityRecords.nodes.map(
        (
          r,
          i,
        ) => html`<section class="review" aria-labelledby="rv-${i}"><h2 id="rv-${i}">${r.guest.name} on ${r.hypervisorRelease.name}: ${r.status}</h2>
<p>${link(recordHref(r.id), r.id)} from ${r.submitter?.name ?? 'unknown'}${r.evidence.url ? html`, evidence ${link(r.evidence.url, r.evidence.url)}` : ''}${r.evidence.date ? html` (${r.evidence.date})` : ''}${r.evidence.notes ? html`: ${r.evidence.notes}` : ''}</p>
<form method="post" action="/vendor/review">
<input type="hidden" name="_csrf" value="${w.csrf}"><input type="hidden" name="id" value="${r.id}">
<div class="field"><label for="reason-${i}">Reason</label><input id="reason-${i}" name="reason" required></div>
<button type="submit" name="decision" value="ACCEPTED">Accept</button> <button type="submit" name="decision" value="REJECTED">Reject</button>
</form></section>`,
      )
    : html`<p>Nothing is pending.</p>`
}`,
  );
};

export const review: Handler = async (req, res, w) => {
  const b = req.body ?? {};
  const decision = str(b.decision);
  if (decision !== 'ACCEPTED' && decision !== 'REJECTED') throw new PageError(400, 'decision is ACCEPTED or REJECTED', 'BAD_USER_INPUT');
  const reason = str(b.reason) || (decision === 'ACCEPTED' ? 'accepted' : 'rejected');
  const id = str(b.id);
  await w.gql(
    `mutation WebReview($id: ID!, $d: ReviewDecision!, $r: String!) { reviewRecord(id: $id, decision: $d, reason: $r) { id reviewState } }`,
    {
      id,
      d: decision,
      r: reason,
    },
  );
  res.redirect(303, `/vendor/review?reviewed=${encodeURIComponent(id)}`);
};
