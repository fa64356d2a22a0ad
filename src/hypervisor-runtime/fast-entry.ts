// A fast entry for `virtcompat plan`: bundled into one CommonJS file and captured in a Node startup
// snapshot, so a run skips module loading and starts with the planner's code already compiled.
//
//   esbuild src/hypervisor-runtime/fast-entry.ts --bundle --platform=node --format=cjs --minify \
//           --external:yaml --outfile=dist/virtcompat-plan.cjs
//   VIRTCOMPAT_WARM_FIXTURES=test/fixtures/runtime node --snapshot-blob dist/virtcompat-plan.blob \
//           --build-snapshot dist/virtcompat-plan.cjs
//   node --snapshot-blob dist/virtcompat-plan.blob plan --guest debian12 --hypervisor kvm ...
//
// The blob belongs to the Node binary that built it. Without a blob the .cjs runs as a plain script.
// bench/plan.ts builds both and times them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import { command } from '../cli/commands/plan.ts';
import { UsageError } from '../cli/types.ts';
import * as cli from './cli.ts';
import { decide } from './decide/index.ts';
import { normalizeFacts } from './facts.ts';
import { parseHostProfile } from './host.ts';
import { renderText } from './render/index.ts';
import { parseSpec } from './spec.ts';

void cli; // bundled eagerly so the snapshot holds it

async function run(): Promise<void> {
  const args = process.argv.slice(2);
  const rest = args[0] === 'plan' ? args.slice(1) : args;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.usage);
    return;
  }
  try {
    process.exitCode = await command.run(rest, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
  } catch (e) {
    const err = e as Error & { code?: string };
    process.stderr.write(`virtcompat plan: ${err.code ? `[${err.code}] ` : ''}${err.message}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  }
}

/** Runs the planner over fixture facts while the snapshot is built, so its code is compiled in the blob. */
function warm(dir: string): void {
  const host = parseHostProfile(JSON.parse(readFileSync(join(dir, '..', '..', '..', 'examples', 'hosts', 'kvm-x86_64.json'), 'utf8')));
  const hv = JSON.parse(readFileSync(join(dir, 'hypervisors', 'kvm.json'), 'utf8'));
  for (const g of ['debian11', 'win11', 'winxp', 'rhel6.0']) {
    const guestOS = JSON.parse(readFileSync(join(dir, 'guests', `${g}.json`), 'utf8'));
    const facts = normalizeFacts({ catalogueVersion: 'warm-up', guestOS, hypervisor: hv });
    const provenance = { source: 'service' as const, service: null, catalogueVersion: 'warm-up', fetchedAt: '', ageSeconds: 0, fallbackReason: null, warnings: [] };
    for (let i = 0; i < 20; i++) {
      const r = decide({ facts, provenance, host, spec: parseSpec({ memory: 4096, disks: [{ path: '/warm.img' }] }) });
      if (r.ok) for (const f of ['json', 'qemu', 'libvirt'] as const) renderText(r.plan, f);
    }
  }
}

const snapshot = (v8 as unknown as { startupSnapshot?: { isBuildingSnapshot(): boolean; setDeserializeMainFunction(fn: () => void): void } }).startupSnapshot;
if (snapshot?.isBuildingSnapshot()) {
  if (process.env.VIRTCOMPAT_WARM_FIXTURES) warm(process.env.VIRTCOMPAT_WARM_FIXTURES);
  snapshot.setDeserializeMainFunction(() => void run());
} else void run();
