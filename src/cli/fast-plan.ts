// The entry of the fast `virtcompat plan`: bundled by scripts/fast-plan.cjs into one CommonJS file (no
// TypeScript compiler, no module graph to resolve at start) with a V8 code cache, which bin/virtcompat.cjs
// loads for `plan` when the build is current. It runs the same command module as the slow path, through
// the same runCommand, so both answer byte for byte alike (test/cli-fast-plan.test.ts).
//
// bench/plan.ts also captures the bundle in a Node startup snapshot (warm(), then run() as the snapshot's
// main function) to compare with it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decide } from '../hypervisor-runtime/decide/index.ts';
import { normalizeFacts } from '../hypervisor-runtime/facts.ts';
import { parseHostProfile } from '../hypervisor-runtime/host.ts';
import { renderText } from '../hypervisor-runtime/render/index.ts';
import { parseSpec } from '../hypervisor-runtime/spec.ts';
import { command } from './commands/plan.ts';
import { runCommand } from './run-command.ts';
import type { CliIO } from './types.ts';

/** `virtcompat plan` with these arguments (argv without the leading `plan`). */
export function run(args: string[], io: CliIO): Promise<number> {
  return runCommand(command, args, io);
}

/**
 * Runs the planner over fixture facts (test/fixtures/runtime) so that V8 has compiled its code when the
 * code cache or startup snapshot is taken.
 */
export function warm(fixtures: string, hostFile: string): void {
  const host = parseHostProfile(JSON.parse(readFileSync(hostFile, 'utf8')));
  const hv = JSON.parse(readFileSync(join(fixtures, 'hypervisors', 'kvm.json'), 'utf8'));
  for (const g of ['debian11', 'win11', 'winxp', 'rhel6.0']) {
    const guestOS = JSON.parse(readFileSync(join(fixtures, 'guests', `${g}.json`), 'utf8'));
    const facts = normalizeFacts({ catalogueVersion: 'warm-up', guestOS, hypervisor: hv });
    const provenance = {
      source: 'service' as const,
      service: null,
      catalogueVersion: 'warm-up',
      fetchedAt: '',
      ageSeconds: 0,
      fallbackReason: null,
      warnings: [],
    };
    for (let i = 0; i < 20; i++) {
      const r = decide({ facts, provenance, host, spec: parseSpec({ memory: 4096, disks: [{ path: '/warm.img' }] }) });
      if (r.ok) for (const f of ['json', 'qemu', 'libvirt'] as const) renderText(r.plan, f);
    }
  }
}
