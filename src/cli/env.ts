// The client side's environment, parsed once into a typed, frozen value: the CLI commands that talk to
// the service or plan VMs read it here and hand the runtime resolved options (the runtime itself never
// reads the environment). The service's own environment is src/config/.
//
// Written out rather than as a zod model: `virtcompat plan` reads it on every run, and loading zod costs more
// than the whole plan (bench/plan.ts). Every variable is a string or unset; only VIRTCOMPAT_SERVICE can be wrong.
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DEFAULT_SERVICE } from '../hypervisor-runtime/client.ts';
import { UsageError } from './types.ts';

// unset and empty are the same: `VAR= virtcompat ...` switches a variable off
const text = (v: string | undefined) => (v === '' ? undefined : v);
const flag = (v: string | undefined) => v !== undefined && v !== '' && !/^(0|false|no|off)$/i.test(v);

export interface ClientEnv {
  /** GraphQL endpoint (VIRTCOMPAT_SERVICE, default DEFAULT_SERVICE). */
  service: string;
  /** Facts snapshot (VIRTCOMPAT_SNAPSHOT_DIR, default ~/.cache/virtcompat/snapshot). */
  snapshotDir: string;
  /** The client's cache: host probe (VIRTCOMPAT_CACHE_DIR, default ~/.cache/virtcompat). */
  cacheDir: string;
  /** Folders searched for QEMU and swtpm (PATH). */
  searchPath: string[] | undefined;
  /** VIRTCOMPAT_TIMING: where planning time goes, on stderr. */
  timing: boolean;
  /** VIRTCOMPAT_DEBUG: stack traces for unexpected errors. */
  debug: boolean;
  /** VIRTCOMPAT_API_KEY: the key `submit` sends when --key is not given. */
  apiKey: string | undefined;
}

const parsed = new WeakMap<object, Readonly<ClientEnv>>();

/**
 * The client environment from `env` (process.env, or a test's own), parsed on first use and kept for that
 * object. A bad value is a usage error (exit 2) naming the variable and its value.
 */
export function clientEnv(env: NodeJS.ProcessEnv): Readonly<ClientEnv> {
  const known = parsed.get(env);
  if (known) return known;
  const service = text(env.VIRTCOMPAT_SERVICE);
  if (service !== undefined && !/^https?:\/\/[^\s/]+/.test(service))
    throw new UsageError(
      `environment: VIRTCOMPAT_SERVICE: expected the GraphQL endpoint as an http(s) URL, e.g. http://127.0.0.1:4000/graphql (got '${service}')`,
    );
  const e = {
    VIRTCOMPAT_SERVICE: service,
    VIRTCOMPAT_SNAPSHOT_DIR: text(env.VIRTCOMPAT_SNAPSHOT_DIR),
    VIRTCOMPAT_CACHE_DIR: text(env.VIRTCOMPAT_CACHE_DIR),
    XDG_CACHE_HOME: text(env.XDG_CACHE_HOME),
    HOME: text(env.HOME),
    PATH: text(env.PATH),
    VIRTCOMPAT_TIMING: flag(env.VIRTCOMPAT_TIMING),
    VIRTCOMPAT_DEBUG: flag(env.VIRTCOMPAT_DEBUG),
    VIRTCOMPAT_API_KEY: text(env.VIRTCOMPAT_API_KEY),
  };
  const cacheBase = e.XDG_CACHE_HOME ?? join(e.HOME ?? homedir(), '.cache');
  const value = Object.freeze({
    service: e.VIRTCOMPAT_SERVICE ?? DEFAULT_SERVICE,
    snapshotDir: e.VIRTCOMPAT_SNAPSHOT_DIR ?? join(cacheBase, 'virtcompat', 'snapshot'),
    cacheDir: e.VIRTCOMPAT_CACHE_DIR ?? join(cacheBase, 'virtcompat'),
    searchPath: e.PATH?.split(delimiter).filter(Boolean),
    timing: e.VIRTCOMPAT_TIMING,
    debug: e.VIRTCOMPAT_DEBUG,
    apiKey: e.VIRTCOMPAT_API_KEY,
  });
  parsed.set(env, value);
  return value;
}
