// The mover: paste a native VM configuration (.vmx, OVF, libvirt domain XML, xl.cfg), pick the target
// hypervisor, and see what `virtcompat move` answers, through the API's own `movePlan` (the same
// in-process GraphQL path as every page): the device mapping, the pre-flight report with its
// evidence, and the target configuration to read or download. A POST form (a configuration is too
// big for a URL) with the CSRF token; the download button posts the same form again.
import { html } from '../html.ts';
import { type Handler, sendPage, type WebCtx } from '../ctx.ts';
import { PageError } from '../gql.ts';
import { recordHref, select } from '../layout.ts';

/** The hypervisors `movePlan` moves to (its `to` argument). */
export const MOVE_TARGETS = ['kvm', 'xen', 'vmware', 'hyperv', 'cloud-hypervisor', 'firecracker'] as const;
const MAX_CONFIG = 128 * 1024;

/** File extension of each target configuration format. */
export const MOVE_EXT: Record<string, string> = {
  libvirt: 'xml',
  xl: 'cfg',
  vmx: 'vmx',
  'hyperv-ps': 'ps1',
  'cloud-hypervisor': 'sh',
  firecracker: 'json',
};

interface MoveInput {
  config: string;
  to: string;
  guest: string;
  prepared: boolean;
}

interface PreflightItem {
  id: string;
  kind: string;
  severity: string;
  title: string;
  trigger: string;
  when: string;
  workaround: string | null;
  commands: string[];
  evidence: Array<{ record: string | null; rule: string; source: string | null }>;
}

interface MoveAnswer {
  ok: boolean;
  guest: string | null;
  fromHypervisor: string | null;
  toHypervisor: string;
  prepared: boolean;
  format: string | null;
  configuration: string | null;
  firstBootConfiguration: string | null;
  warnings: string[];
  mapping: Array<{
    role: string;
    source: string;
    targetModel: string;
    targetBus: string;
    group: string | null;
    changed: boolean;
    mac: string | null;
  }>;
  preflight: PreflightItem[];
  refusal: { code: string; requirement: string; message: string; preflight: PreflightItem[] } | null;
}

const ITEM = 'id kind severity title trigger when workaround commands evidence { record rule source }';
const MOVE_PLAN = `query WebMovePlan($config: String!, $to: String!, $guest: String, $prepared: Boolean) {
  movePlan(config: $config, to: $to, guest: $guest, prepared: $prepared) {
    ok guest fromHypervisor toHypervisor prepared format configuration firstBootConfiguration warnings
    mapping { role source targetModel targetBus group changed mac }
    preflight { ${ITEM} }
    refusal { code requirement message preflight { ${ITEM} } }
  }
}`;

const str = (v: unknown) => (typeof v === 'string' ? v : '');

function inputOf(body: Record<string, unknown> | undefined): MoveInput {
  const b = body ?? {};
  return {
    config: str(b.config),
    to: str(b.to).trim(),
    guest: str(b.guest).trim(),
    prepared: b.prepared === 'on' || b.prepared === 'true',
  };
}

type Outcome = { kind: 'form'; problems: Partial<Record<'config' | 'to' | 'guest', string>> } | { kind: 'answer'; answer: MoveAnswer };

async function run(w: WebCtx, input: MoveInput): Promise<Outcome> {
  const problems: Partial<Record<'config' | 'to' | 'guest', string>> = {};
  if (!input.config.trim()) problems.config = 'paste a .vmx, OVF, libvirt domain XML or xl.cfg';
  else if (input.config.length > MAX_CONFIG) problems.config = `the configuration is over ${MAX_CONFIG} bytes`;
  if (!(MOVE_TARGETS as readonly string[]).includes(input.to)) problems.to = `the target must be one of ${MOVE_TARGETS.join(', ')}`;
  if (Object.keys(problems).length) return { kind: 'form', problems };
  try {
    const d = await w.gql<{ movePlan: MoveAnswer }>(MOVE_PLAN, {
      config: input.config,
      to: input.to,
      guest: input.guest || null,
      prepared: input.prepared,
    });
    return { kind: 'answer', answer: d.movePlan };
  } catch (err) {
    // bad input goes beside its field: an unknown guest (named, or found in the configuration) beside the
    // guest, where naming a catalogue guest fixes it; anything else beside the configuration
    if (err instanceof PageError && (err.status === 400 || err.status === 404))
      return { kind: 'form', problems: /guest OS/i.test(err.message) ? { guest: err.message } : { config: err.message } };
    throw err;
  }
}

const field = (name: string, problem: string | undefined) => (problem ? html`<p class="field-error" id="err-${name}">${problem}</p>` : '');
const invalid = (name: string, problem: string | undefined) => (problem ? html` aria-invalid="true" aria-describedby="err-${name}"` : '');

const csrfField = (w: WebCtx) => html`<input type="hidden" name="_csrf" value="${w.csrf}">`;

function items(list: PreflightItem[]) {
  if (!list.length) return html`<p class="muted">No pre-flight items.</p>`;
  return html`<table class="preflight"><caption class="sr-only">Pre-flight report</caption>
<thead><tr><th scope="col">Severity</th><th scope="col">Kind</th><th scope="col">When</th><th scope="col">What</th><th scope="col">Trigger</th><th scope="col">Evidence</th></tr></thead>
<tbody>${list.map(
    (p) => html`<tr class="sev-${p.severity}" data-item="${p.id}"><td>${p.severity}</td><td>${p.kind}</td><td>${p.when}</td>
<td>${p.title}${p.workaround ? html`<br><span class="muted">${p.workaround}</span>` : ''}${p.commands.length ? html`<pre>${p.commands.join('\n')}</pre>` : ''}</td>
<td>${p.trigger}</td>
<td><ul>${p.evidence.map(
      (e) =>
        html`<li>${e.rule}${e.record ? html` · <a href="${recordHref(e.record)}">record</a>` : ''}${e.source && /^https?:\/\//.test(e.source) ? html` · <a href="${e.source}" rel="noopener">source</a>` : e.source ? html` · ${e.source}` : ''}</li>`,
    )}</ul></td></tr>`,
  )}</tbody></table>`;
}

function answerHtml(w: WebCtx, input: MoveInput, a: MoveAnswer) {
  const name = `virtcompat-move-${a.toHypervisor}.${MOVE_EXT[a.format ?? ''] ?? 'txt'}`;
  return html`<section aria-labelledby="move-result"><h2 id="move-result">${a.ok ? 'Move plan' : 'Cannot plan this move'}</h2>
<p>${a.fromHypervisor ?? 'unknown hypervisor'} → ${a.toHypervisor}; guest ${a.guest ?? 'unknown'}; ${a.prepared ? 'prepared' : 'not prepared'}.</p>
${a.refusal ? html`<p class="error" role="alert">${a.refusal.code}: ${a.refusal.message}</p><p>Requirement: ${a.refusal.requirement}</p>` : ''}
${a.warnings.length ? html`<ul class="warnings">${a.warnings.map((x) => html`<li>${x}</li>`)}</ul>` : ''}
<h3>Device mapping</h3>
${
  a.mapping.length
    ? html`<table class="mapping"><caption class="sr-only">Device mapping</caption>
<thead><tr><th scope="col">Role</th><th scope="col">Source</th><th scope="col">Target</th><th scope="col">Bus</th><th scope="col">Group</th><th scope="col">Changed</th></tr></thead>
<tbody>${a.mapping.map((m) => html`<tr><td>${m.role}</td><td>${m.source}</td><td>${m.targetModel}</td><td>${m.targetBus}</td><td>${m.group ?? ''}</td><td>${m.changed ? 'yes' : 'no'}</td></tr>`)}</tbody></table>`
    : html`<p class="muted">No devices mapped.</p>`
}
<h3>Pre-flight report</h3>
${items(a.refusal ? a.refusal.preflight : a.preflight)}
${
  a.configuration
    ? html`<h3>Target configuration (${a.format ?? ''})</h3>
<form method="post" action="/move/download">${csrfField(w)}
<input type="hidden" name="config" value="${input.config}"><input type="hidden" name="to" value="${input.to}"><input type="hidden" name="guest" value="${input.guest}">${input.prepared ? html`<input type="hidden" name="prepared" value="on">` : ''}
<button type="submit">Download ${name}</button></form>
<pre id="target-config" tabindex="0">${a.configuration}</pre>
${a.firstBootConfiguration ? html`<h3>First-boot configuration (step one of two)</h3><pre tabindex="0">${a.firstBootConfiguration}</pre>` : ''}`
    : ''
}</section>`;
}

function formHtml(w: WebCtx, input: MoveInput, p: Partial<Record<'config' | 'to' | 'guest', string>>) {
  return html`<p>Paste a VM's native configuration (VMware .vmx, OVF, libvirt domain XML or Xen xl.cfg): the service maps its devices
onto the target hypervisor, lists what must happen before and after the move, and writes the target configuration.</p>
<form method="post" action="/move">${csrfField(w)}
<div class="field"><label for="f-config">Configuration</label><textarea id="f-config" name="config" rows="14" cols="80" spellcheck="false"${invalid('config', p.config)} required>${input.config}</textarea>${field('config', p.config)}</div>
<div class="field">${select(
    'to',
    'Target hypervisor',
    MOVE_TARGETS.map((x): [string, string] => [x, x]),
    input.to,
  )}${field('to', p.to)}</div>
<div class="field"><label for="f-guest">Guest (short id or id, optional)</label><input id="f-guest" name="guest" value="${input.guest}" placeholder="found from the configuration"${invalid('guest', p.guest)}>${field('guest', p.guest)}</div>
<div class="field"><input type="checkbox" id="f-prepared" name="prepared"${input.prepared ? html` checked` : ''}><label for="f-prepared">Prepared: the guest already has the target's drivers</label></div>
<button type="submit">Plan the move</button>
</form>`;
}

export const movePage: Handler = async (_req, res, w) => {
  sendPage(res, w, 'Move a VM', '/move', formHtml(w, { config: '', to: 'kvm', guest: '', prepared: false }, {}));
};

export const moveSubmit: Handler = async (req, res, w) => {
  const input = inputOf(req.body);
  const outcome = await run(w, input);
  const p = outcome.kind === 'form' ? outcome.problems : {};
  sendPage(
    res,
    w,
    'Move a VM',
    '/move',
    html`${formHtml(w, input, p)}${outcome.kind === 'answer' ? answerHtml(w, input, outcome.answer) : ''}`,
    outcome.kind === 'form' ? 400 : outcome.answer.ok ? 200 : 422,
  );
};

export const moveDownload: Handler = async (req, res, w) => {
  const input = inputOf(req.body);
  const outcome = await run(w, input);
  if (outcome.kind === 'form') throw new PageError(400, Object.values(outcome.problems).join('; '), 'BAD_USER_INPUT');
  const a = outcome.answer;
  if (!a.configuration)
    throw new PageError(422, a.refusal?.message ?? 'this move has no target configuration', a.refusal?.code ?? 'NO_CONFIGURATION');
  res
    .set({
      'content-type': a.format === 'libvirt' ? 'application/xml; charset=utf-8' : 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="virtcompat-move-${a.toHypervisor}.${MOVE_EXT[a.format ?? ''] ?? 'txt'}"`,
      'cache-control': 'private, no-cache',
      vary: 'Cookie',
    })
    .send(a.configuration);
};
