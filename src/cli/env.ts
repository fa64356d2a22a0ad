// The client side's environment, parsed once into a typed, frozen value: the CLI commands that talk to
// the service or plan VMs read it here and hand the runtime resolved options (the runtime itself never
// reads the environment). The service's own environment is src/config/.
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_SERVICE } from '../hypervisor-runtime/client.ts';
import { UsageError } from './types.ts';

// unset and empty are the same: `VAR= virtcompat ...` switches a variable off
const text = z.preprocess((v) => (v === '' ? undefined : v), z.string().optional());
const flag = z
  .preprocess((v) => (v === '' || v === undefined ? undefined : v), z.string().optional())
  .transform((v) => v !== undefined && !/^(0|false|no|off)$/i.test(v));

const ClientEnvSchema = z.object({
  VIRTCOMPAT_SERVICE: z.preprocess(
    (v) => (v === '' ? undefined : v),
    z
      .string()
      .refine((s) => /^https?:\/\/[^\s/]+/.test(s), {
        message: 'expected the GraphQL endpoint as an http(s) URL, e.g. http://127.0.0.1:4000/graphql',
      })
      .optional(),
  ),
  VIRTCOMPAT_SNAPSHOT_DIR: text,
  VIRTCOMPAT_CACHE_DIR: text,
  XDG_CACHE_HOME: text,
  HOME: text,
  PATH: text,
  VIRTCOMPAT_TIMING: flag,
  VIRTCOMPAT_DEBUG: flag,
  VIRTCOMPAT_API_KEY: text,
});

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
 * object. Every problem is reported at once, as a usage error (exit 2) naming the variable.
 */
export function clientEnv(env: NodeJS.ProcessEnv): Readonly<ClientEnv> {
  const known = parsed.get(env);
  if (known) return known;
  const r = ClientEnvSchema.safeParse(env);
  if (!r.success) {
    throw new UsageError(
      `environment: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}${typeof env[String(i.path[0])] === 'string' ? ` (got '${env[String(i.path[0])]}')` : ''}`).join('; ')}`,
    );
  }
  const e = r.data;
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
