// The entry of the fast `virtcompat plan`: bundled by scripts/fast-plan.mjs into one CommonJS file (no
// TypeScript compiler, no module graph to resolve at start) with a V8 code cache, which bin/virtcompat.mjs
// loads for `plan` when the build is current. It runs the same command module as the slow path, through
// the same runCommand, so both answer byte for byte alike (test/cli-fast-plan.test.ts).
//
// The same bundle can be captured in a Node startup snapshot (bench/plan.ts compares it):
//   node --snapshot-blob plan.blob --build-snapshot <bundle>.cjs      (warm() runs the planner first)
//   node --snapshot-blob plan.blob plan --guest debian12 ...
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
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

const processIO = (): CliIO => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
const argsOf = (argv: string[]) => (argv[0] === 'plan' ? argv.slice(1) : argv);

const snapshot = (
  v8 as unknown as { startupSnapshot?: { isBuildingSnapshot(): boolean; setDeserializeMainFunction(fn: () => void): void } }
).startupSnapshot;
if (snapshot?.isBuildingSnapshot()) {
  // the fixtures folder comes from the builder (bench/plan.ts); the entry reads nothing else from the environment
  const fixtures = process.env.VIRTCOMPAT_WARM_FIXTURES;
  if (fixtures) warm(fixtures, join(fixtures, '..', '..', '..', 'examples', 'hosts', 'kvm-x86_64.json'));
  snapshot.setDeserializeMainFunction(() => {
    void run(argsOf(process.argv.slice(2)), processIO()).then((code) => {
      process.exitCode = code;
    });
  });
}
