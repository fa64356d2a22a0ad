// The planner's agreement with virt-install over every x86 guest of the installed osinfo-db.
//
//   node --import tsx bench/plan-virtinstall.ts [--guests a,b,...] [--json FILE] [--xml-cache FILE]
//
// The catalogue as the service holds it after start-up (curated seed + osinfo-db import; PostgreSQL when
// DATABASE_URL is set, else the embedded database), this machine's host profile (probeHost, as virt-install
// sees the same libvirt), one plan per guest with a disk and the planned memory, and virt-install
// --print-xml for the same guest and memory (virtinst's main() in one process:
// test/fixtures/runtime/virt-install-xml.py). Per decision (machine, firmware, disk bus, NIC, video, input,
// USB, sound, TPM, clock, features, the Hyper-V flags virt-install sets, rng, balloon, guest agent, CPU mode)
// it prints how many guests agree, with virtio spellings normalised, and every difference the plan does not
// explain (Because.differsFrom). Exit 1 when a guest gets no plan or a difference is unexplained.
// --xml-cache keeps virt-install's answers in FILE (read when present) to re-measure the planner alone.
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decide } from '../src/hypervisor-runtime/decide/index.ts';
import { probeHost } from '../src/hypervisor-runtime/probe.ts';
import { parseSpec } from '../src/hypervisor-runtime/spec.ts';
import type { Plan } from '../src/hypervisor-runtime/plan.ts';
import { FIXED_PROVENANCE, tempDir } from '../test/fixtures/runtime/load.ts';
import { osinfoCatalogue, x86Guests } from '../test/fixtures/runtime/osinfo-catalogue.ts';
import {
  compare,
  DECISIONS,
  type Comparison,
  type Decision,
  theirChoices,
  virtInstallUnavailable,
  virtInstallXml,
} from '../test/fixtures/runtime/virt-install.ts';

const { values } = parseArgs({ options: { guests: { type: 'string' }, json: { type: 'string' }, 'xml-cache': { type: 'string' } } });
const missing = virtInstallUnavailable();
if (missing) {
  console.error(`bench/plan-virtinstall: ${missing}`);
  process.exit(2);
}

const t0 = Date.now();
const catalogue = await osinfoCatalogue(process.env.DATABASE_URL ? 'postgres' : 'pglite');
const host = await probeHost({ timeoutMs: 8000 });
const img = join(tempDir('vc-vi-all-'), 'disk.img');
closeSync(openSync(img, 'w'));
const only = values.guests?.split(',');
const guests = x86Guests(catalogue.guests).filter((g) => g.shortId && (!only || only.includes(g.shortId)));

const plans = new Map<string, Plan>();
const refused: string[] = [];
for (const g of guests) {
  const facts = await catalogue.facts(g.id, 'kvm');
  const r = decide({ facts, provenance: FIXED_PROVENANCE, host, spec: parseSpec({ name: 'x', disks: [{ path: img }] }) });
  if (r.ok) plans.set(g.shortId as string, r.plan);
  else refused.push(`${g.shortId}: ${r.error.code} ${r.error.message}`);
}
await catalogue.close();
console.log(`${plans.size} of ${guests.length} x86 guests planned on ${host.name} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);

const cache = values['xml-cache'];
const xml: Map<string, string | { error: string }> =
  cache && existsSync(cache)
    ? new Map(Object.entries(JSON.parse(readFileSync(cache, 'utf8'))))
    : virtInstallXml(img, new Map([...plans].map(([g, p]) => [g, p.memory.mib])));
if (cache && !existsSync(cache)) writeFileSync(cache, JSON.stringify(Object.fromEntries(xml)));
const agree = Object.fromEntries(DECISIONS.map((d) => [d, 0])) as Record<Decision, number>;
const results: Record<string, Comparison> = {};
const viRefused: string[] = [];
for (const [g, p] of plans) {
  const x = xml.get(g);
  if (x === undefined || typeof x !== 'string') {
    viRefused.push(`${g}: ${x === undefined ? 'no answer' : x.error.split('\n').at(-1)}`);
    continue;
  }
  const c = compare(theirChoices(x), p);
  results[g] = c;
  for (const d of c.same) agree[d]++;
}
const n = Object.keys(results).length;
console.log(`compared with virt-install: ${n} guests (virt-install refused ${viRefused.length})`);
const pct = (k: number) => `${((100 * k) / Math.max(n, 1)).toFixed(1)}%`;
for (const d of DECISIONS) {
  const explained = Object.values(results).filter((c) => c.explained.some((e) => e.decision === d)).length;
  console.log(`  ${d.padEnd(17)} ${pct(agree[d]).padStart(6)} agree (${agree[d]}/${n}), ${explained} differ with a reason`);
}
const total = DECISIONS.length * n;
const same = Object.values(agree).reduce((a, b) => a + b, 0);
console.log(`  ${'all decisions'.padEnd(17)} ${pct(same / DECISIONS.length).padStart(6)} agree (${same}/${total})`);
const unexplained = Object.entries(results).flatMap(([g, c]) =>
  c.unexplained.map((u) => `${g} ${u.decision}: virt-install ${u.theirs}, plan ${u.ours} (${u.reason})`),
);
if (viRefused.length) console.log(`virt-install gave no XML for:\n  ${viRefused.join('\n  ')}`);
if (refused.length) console.log(`NO PLAN:\n  ${refused.join('\n  ')}`);
if (unexplained.length) console.log(`UNEXPLAINED differences (${unexplained.length}):\n  ${unexplained.join('\n  ')}`);
if (values.json) writeFileSync(values.json, JSON.stringify({ agree, n, refused, viRefused, results }, null, 1));
process.exit(refused.length || unexplained.length ? 1 : 0);
