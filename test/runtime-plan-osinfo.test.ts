// Every x86 guest osinfo-db holds plans on a KVM x86_64 host: the full catalogue as the service holds it
// after start-up (curated seed + the installed osinfo-db), asked through the runtime's planning operation,
// planned with an empty VM spec (the planner's own defaults) on examples/hosts/kvm-x86_64.json. A refusal
// is listed by guest and reason. Also: a 32-bit guest runs on the x86_64 VM, and a default memory size meets
// the guest's minimum where osinfo-db recommends less.
import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { decide } from '../src/hypervisor-runtime/decide/index.ts';
import type { Plan } from '../src/hypervisor-runtime/plan.ts';
import { parseSpec } from '../src/hypervisor-runtime/spec.ts';
import { explainPlan } from '../src/hypervisor-runtime/explain.ts';
import { FIXED_PROVENANCE, host } from './fixtures/runtime/load.ts';
import { type OsinfoCatalogue, osinfoCatalogue, osinfoUnavailable, x86Guests } from './fixtures/runtime/osinfo-catalogue.ts';
import { skipWith } from './helpers/skip.ts';
import { must } from '../src/util/must.ts';

describe('every osinfo-db x86 guest plans on KVM x86_64', { skip: skipWith(osinfoUnavailable()), timeout: 900_000 }, () => {
  let catalogue: OsinfoCatalogue;
  const plans = new Map<string, Plan>();
  beforeAll(async () => {
    catalogue = await osinfoCatalogue(process.env.DATABASE_URL ? 'postgres' : 'pglite');
  }, 900_000);
  afterAll(async () => {
    await catalogue?.close();
  });

  it('no refusals', async () => {
    const guests = x86Guests(catalogue.guests);
    assert.ok(guests.length > 700, `only ${guests.length} x86 guests in the catalogue: was osinfo-db imported?`);
    const kvm = host('kvm-x86_64');
    const refused: string[] = [];
    for (const g of guests) {
      const facts = await catalogue.facts(g.id, 'kvm');
      const r = decide({ facts, provenance: FIXED_PROVENANCE, host: kvm, spec: parseSpec({}) });
      if (r.ok) plans.set(g.shortId ?? g.id, r.plan);
      else refused.push(`${g.shortId ?? g.id}: ${r.error.code} ${r.error.message}`);
    }
    assert.deepEqual(refused, [], `${refused.length} of ${guests.length} x86 guests get no plan`);
  }, 900_000);

  it('a 32-bit x86 guest runs on the x86_64 VM, with its i686 records', () => {
    const p = must(plans.get('win95'), 'the plan for win95');
    assert.equal(p.arch, 'x86_64');
    assert.ok(p.warnings.some((w) => /i686 guest: it runs on the x86_64 VM/.test(w)));
    // win95's minimum is recorded for i686 only: it is checked (4 MiB), the default is the planner's
    assert.match(p.resources.because.reason, /meets win95's minimum \(4 MiB/);
  });

  it('a default memory size meets the minimum, and says it differs from virt-install', () => {
    for (const g of ['win7', 'win8.1']) {
      const p = must(plans.get(g), `the plan for ${g}`);
      assert.equal(p.memory.mib, 2048, g);
      assert.match(must(p.memory.because.differsFrom, `${g}: differsFrom`).theirs, /^512 MiB/);
      assert.match(
        explainPlan(p),
        /Memory: 2048 MiB\n {2}why: 2 GiB from win[\d.]+'s minimum RAM .*\n {2}differs from virt-install \(512 MiB/,
      );
    }
  });
});
