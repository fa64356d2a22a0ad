// The runtime's errors about its input (a spec, a host profile, options that cannot work together) are
// the user's to fix: every command that calls the runtime reports them as the one usage error (exit 2).
import { HostProfileError } from '../hypervisor-runtime/host.ts';
import { VmOptionsError } from '../hypervisor-runtime/plan-vm.ts';
import { SpecError } from '../hypervisor-runtime/spec.ts';
import { UsageError } from './types.ts';

/** Runs `f`, turning the runtime's input errors into UsageError; anything else passes through. */
export async function withRuntimeUsage<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof SpecError || err instanceof HostProfileError || err instanceof VmOptionsError) throw new UsageError(err.message);
    throw err;
  }
}
