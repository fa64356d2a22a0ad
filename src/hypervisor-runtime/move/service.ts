// `movePlan` for the service: the same move `virtcompat move` makes, for callers that send a configuration's
// text over GraphQL. The service hands in a fetch that answers GraphQL in-process (its own schema), so the
// runtime asks for facts, known issues and equivalence groups exactly as it does over the network.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FactsError } from '../client.ts';
import { InspectError, inspectText } from '../inspect/index.ts';
import { renderText, RenderError } from '../render/index.ts';
import { HYPERVISOR_KEYS, type HypervisorKey } from '../spec.ts';
import { MoveError, type MovePlan } from './types.ts';
import { moveVm, NATIVE_FORMAT } from './index.ts';

export interface MovePlanRequest {
  config: string;
  to: string;
  guest?: string | null;
  prepared?: boolean | null;
}

export type MovePlanAnswer =
  | { ok: true; move: MovePlan; format: string; configuration: string; firstBootConfiguration: string | null }
  | { ok: false; refusal: ReturnType<MoveError['toJSON']> };

/** The request cannot be read (unknown target, unreadable configuration): the caller's input to fix. */
export class MoveRequestError extends Error {
  override name = 'MoveRequestError';
}

/** The target host each hypervisor is planned for in the service: the typical hosts in examples/hosts/. */
export const TYPICAL_HOSTS: Readonly<Record<HypervisorKey, string>> = {
  kvm: 'kvm-x86_64',
  xen: 'xen-x86_64',
  vmware: 'esxi-x86_64',
  hyperv: 'hyperv-x86_64',
  'cloud-hypervisor': 'cloud-hypervisor-x86_64',
  firecracker: 'firecracker-x86_64',
};
const hostFile = (to: HypervisorKey) => fileURLToPath(new URL(`../../../examples/hosts/${TYPICAL_HOSTS[to]}.json`, import.meta.url));

export function createMovePlanner(o: { fetchImpl: typeof fetch; serviceUrl?: string; snapshotDir?: string }) {
  const snapshotDir = o.snapshotDir ?? mkdtempSync(join(tmpdir(), 'virtcompat-move-'));
  return async (req: MovePlanRequest): Promise<MovePlanAnswer> => {
    if (!(HYPERVISOR_KEYS as readonly string[]).includes(req.to))
      throw new MoveRequestError(`to: one of ${HYPERVISOR_KEYS.join(', ')}, not ${JSON.stringify(req.to)}`);
    const to = req.to as HypervisorKey;
    let vm: ReturnType<typeof inspectText>;
    try {
      vm = inspectText(req.config);
    } catch (err) {
      if (err instanceof InspectError) throw new MoveRequestError(`config: [${err.code}] ${err.message}`);
      throw err;
    }
    try {
      const { move } = await moveVm({
        vm,
        to,
        guest: req.guest ?? undefined,
        host: { file: hostFile(to) },
        service: o.serviceUrl ?? 'http://in-process/graphql',
        snapshotDir,
        fetchImpl: o.fetchImpl,
        knownIssues: [],
        groups: [],
        prepared: req.prepared === true,
      });
      const format = NATIVE_FORMAT[to];
      let configuration: string;
      try {
        configuration = renderText(move.plan, format);
      } catch (err) {
        if (err instanceof RenderError) configuration = `# ${err.message}\n`;
        else throw err;
      }
      return {
        ok: true,
        move,
        format,
        configuration,
        firstBootConfiguration: move.firstBoot ? renderText(move.firstBoot, format) : null,
      };
    } catch (err) {
      if (err instanceof MoveError) return { ok: false, refusal: err.toJSON() };
      if (err instanceof FactsError) throw new MoveRequestError(err.message);
      throw err;
    }
  };
}

export type MovePlanner = ReturnType<typeof createMovePlanner>;
