// The planner: a guest, a hypervisor and a host profile (one of examples/hosts, or pasted), plus an
// optional pasted VM spec; the plan with every reason, and each rendered configuration to download.
// The facts come from the same in-process GraphQL path as every page (the runtime's own planning
// operation, PLANNING_QUERY), then the runtime's pure decide() and renderers run here, exactly as
// `virtcompat plan` runs them. A GET form: every plan is a permalink.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { decide } from '../../hypervisor-runtime/decide/index.ts';
import { explainError, explainPlan } from '../../hypervisor-runtime/explain.ts';
import { normalizeFacts } from '../../hypervisor-runtime/facts.ts';
import { type HostProfile, parseHostProfile } from '../../hypervisor-runtime/host.ts';
import type { Plan } from '../../hypervisor-runtime/plan.ts';
import { resolveSpecPaths } from '../../hypervisor-runtime/plan-vm.ts';
import { guestVariables, PLANNING_QUERY } from '../../hypervisor-runtime/query.ts';
import { FORMATS, type Format, renderText } from '../../hypervisor-runtime/render/index.ts';
import { HYPERVISOR_KEYS, parseSpec, type VmSpec } from '../../hypervisor-runtime/spec.ts';
import { type Handler, param, sendPage } from '../ctx.ts';
import { PageError } from '../gql.ts';
import { html, qs } from '../html.ts';
import { select } from '../layout.ts';

/** Relative disk and kernel paths in a pasted spec resolve here (libvirt's default image folder). */
export const SPEC_DIR = '/var/lib/libvirt/images';
const MAX_TEXT = 64 * 1024;

const HOSTS_DIR = resolve(import.meta.dirname, '../../../examples/hosts');
let hostProfiles: Map<string, HostProfile> | undefined;
/** The example host profiles shipped with the service, by file name without `.json`. */
export function exampleHosts(): Map<string, HostProfile> {
  if (!hostProfiles) {
    hostProfiles = new Map();
    for (const f of readdirSync(HOSTS_DIR)
      .filter((n) => n.endsWith('.json'))
      .sort())
      hostProfiles.set(f.replace(/\.json$/, ''), parseHostProfile(JSON.parse(readFileSync(join(HOSTS_DIR, f), 'utf8')), f));
  }
  return hostProfiles;
}

interface PlanInput {
  guest: string;
  hypervisor: string;
  host: string;
  hostText: string;
  spec: string;
}

type Outcome =
  | { kind: 'form'; problems: Partial<Record<keyof PlanInput, string>> }
  | { kind: 'plan'; plan: Plan; explain: string; formats: Format[] }
  | { kind: 'no-plan'; code: string; explain: string };

function parseText(text: string, what: string): unknown {
  try {
    return text.trim().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new Error(`${what} is neither JSON nor YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

async function plan(gql: Parameters<Handler>[2]['gql'], input: PlanInput): Promise<Outcome> {
  const problems: Partial<Record<keyof PlanInput, string>> = {};
  let spec: VmSpec | null = null;
  if (input.spec.length > MAX_TEXT || input.hostText.length > MAX_TEXT)
    throw new PageError(413, `a pasted text is over ${MAX_TEXT} bytes`, 'BODY_TOO_LARGE');
  try {
    const raw = input.spec ? (parseText(input.spec, 'the VM spec') as Record<string, unknown> | null) : {};
    spec = parseSpec(
      { ...(raw ?? {}), ...(input.guest ? { guest: input.guest } : {}), ...(input.hypervisor ? { hypervisor: input.hypervisor } : {}) },
      'VM spec',
    );
    if (spec.constraints.migrateAcross.length)
      problems.spec = 'constraints.migrateAcross names host files, which the web planner cannot read: use `virtcompat plan`';
  } catch (err) {
    problems.spec = (err as Error).message;
  }
  let host: HostProfile | undefined;
  try {
    host = input.hostText
      ? parseHostProfile(parseText(input.hostText, 'the host profile'), 'host profile')
      : exampleHosts().get(input.host);
    if (!host) problems.host = `no host profile '${input.host}': pick one of ${[...exampleHosts().keys()].join(', ')}`;
  } catch (err) {
    problems.hostText = (err as Error).message;
  }
  if (spec && !spec.guest) problems.guest = 'which guest? give its short id or id';
  if (spec && !spec.hypervisor) problems.hypervisor = 'which hypervisor?';
  if (Object.keys(problems).length || !spec?.guest || !spec.hypervisor || !host) return { kind: 'form', problems };

  const data = await gql.full(PLANNING_QUERY, { ...guestVariables(spec.guest), hypervisor: spec.hypervisor });
  if (data.errors.length) {
    const e = data.errors[0];
    const suggestions = (e?.extensions?.suggestions as string[] | undefined) ?? [];
    return {
      kind: 'form',
      problems: { guest: `${e?.message ?? 'unknown guest'}${suggestions.length ? ` (did you mean ${suggestions.join(', ')}?)` : ''}` },
    };
  }
  const facts = normalizeFacts(data.data);
  const provenance = {
    source: 'service' as const,
    service: '/graphql',
    catalogueVersion: facts.catalogueVersion,
    fetchedAt: new Date().toISOString(),
    ageSeconds: 0,
    fallbackReason: null,
    warnings: [],
  };
  const r = decide({ facts, provenance, host, spec: resolveSpecPaths(spec, SPEC_DIR), migrationHosts: [] });
  if (!r.ok) return { kind: 'no-plan', code: r.error.code, explain: explainError(r.error) };
  const formats = FORMATS.filter((f) => {
    try {
      renderText(r.plan, f);
      return true;
    } catch {
      return false;
    }
  });
  return { kind: 'plan', plan: r.plan, explain: explainPlan(r.plan), formats };
}

function inputOf(req: Parameters<Handler>[0]): PlanInput {
  return {
    guest: param(req, 'guest'),
    hypervisor: param(req, 'hypervisor'),
    host: param(req, 'host'),
    hostText: param(req, 'hostText'),
    spec: param(req, 'spec'),
  };
}

const field = (name: string, problem: string | undefined) => (problem ? html`<p class="field-error" id="err-${name}">${problem}</p>` : '');
const invalid = (name: string, problem: string | undefined) => (problem ? html` aria-invalid="true" aria-describedby="err-${name}"` : '');

export const planner: Handler = async (req, res, w) => {
  const input = inputOf(req);
  if (!input.host) input.host = 'kvm-x86_64';
  const asked = !!(input.guest || input.spec);
  const outcome = asked ? await plan(w.gql, input) : ({ kind: 'form', problems: {} } as Outcome);
  const p = outcome.kind === 'form' ? outcome.problems : {};
  const hosts = [...exampleHosts().keys()];
  const dl = (f: Format) => `/planner/download${qs({ ...input, format: f })}`;
  sendPage(
    res,
    w,
    'Planner',
    '/planner',
    html`<form method="get" action="/planner">
<div class="field"><label for="f-guest">Guest (short id or id)</label><input id="f-guest" name="guest" value="${input.guest}" placeholder="debian12"${invalid('guest', p.guest)}>${field('guest', p.guest)}</div>
<div class="field">${select('hypervisor', 'Hypervisor', [['', 'choose…'], ...HYPERVISOR_KEYS.map((k): [string, string] => [k, k])], input.hypervisor)}${field('hypervisor', p.hypervisor)}</div>
<div class="field">${select(
      'host',
      'Host profile',
      hosts.map((h): [string, string] => [h, h]),
      input.host,
    )}${field('host', p.host)}</div>
<details${input.hostText || input.spec ? html` open` : ''}><summary>Paste a host profile or a VM spec</summary>
<div class="field"><label for="f-hostText">Host profile (JSON from <code>virtcompat probe --json</code>; replaces the choice above)</label>
<textarea id="f-hostText" name="hostText" rows="6" cols="70"${invalid('hostText', p.hostText)}>${input.hostText}</textarea>${field('hostText', p.hostText)}</div>
<div class="field"><label for="f-spec">VM spec (YAML or JSON; guest and hypervisor above win). Relative paths resolve in ${SPEC_DIR}.</label>
<textarea id="f-spec" name="spec" rows="8" cols="70"${invalid('spec', p.spec)}>${input.spec}</textarea>${field('spec', p.spec)}</div>
</details>
<button type="submit">Plan</button>
</form>
${
  outcome.kind === 'plan'
    ? html`<h2>Plan</h2>
<p>Download: ${outcome.formats.map((f, i) => html`${i ? ' · ' : ''}<a href="${dl(f)}" download>${f}</a>`)}</p>
${outcome.plan.warnings.length ? html`<ul class="notice">${outcome.plan.warnings.map((x) => html`<li>${x}</li>`)}</ul>` : ''}
<pre id="explain" tabindex="0">${outcome.explain}</pre>`
    : outcome.kind === 'no-plan'
      ? html`<h2>No plan</h2><p class="error" role="alert">${outcome.code}</p><pre id="explain" tabindex="0">${outcome.explain}</pre>`
      : Object.keys(p).length
        ? html`<p class="error" role="alert">The form has problems; see the fields above.</p>`
        : ''
}`,
    outcome.kind === 'form' && Object.keys(p).length ? 400 : outcome.kind === 'no-plan' ? 422 : 200,
  );
};

export const plannerDownload: Handler = async (req, res, w) => {
  const format = param(req, 'format') as Format;
  if (!FORMATS.includes(format)) throw new PageError(400, `format must be one of ${FORMATS.join(', ')}`, 'BAD_USER_INPUT');
  const outcome = await plan(w.gql, inputOf(req));
  if (outcome.kind === 'form') throw new PageError(400, Object.values(outcome.problems).join('; '), 'BAD_USER_INPUT');
  if (outcome.kind === 'no-plan') throw new PageError(422, outcome.explain, outcome.code);
  const ext: Record<Format, string> = {
    json: 'json',
    qemu: 'sh',
    libvirt: 'xml',
    xl: 'cfg',
    vmx: 'vmx',
    'cloud-hypervisor': 'sh',
    firecracker: 'json',
    'hyperv-ps': 'ps1',
  };
  let text: string;
  try {
    text = renderText(outcome.plan, format);
  } catch (err) {
    throw new PageError(422, (err as Error).message, 'RENDER_ERROR');
  }
  res
    .set({
      'content-type': format === 'libvirt' ? 'application/xml; charset=utf-8' : 'text/plain; charset=utf-8',
      'content-disposition': `attachment; filename="${outcome.plan.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.${ext[format]}"`,
      'cache-control': 'private, no-cache',
      vary: 'Cookie',
    })
    .send(text);
};
