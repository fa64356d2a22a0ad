// Fast acceptance of valid input, without zod. A `virtcompat plan` parses one VM spec and one host profile;
// loading zod and building its schemas costs more than the rest of the plan (bench/plan.ts), so spec.ts and
// host.ts first try these hand-written acceptors, and hand the input to their zod schema (loaded then) only
// when an acceptor is not sure. The zod schema stays the definition: every message comes from it.
//
// The contract, held by spec.test.ts and host.test.ts on generated inputs: whatever an acceptor accepts, its
// zod schema accepts too, with an equal output (same keys in the same order, same values). An acceptor
// may give up on valid input (zod then accepts it, only slower), never accept what zod refuses.
import { createRequire } from 'node:module';
import type * as Zod from 'zod';

/** Thrown by an acceptor that is not sure; never leaves parseSpec / parseHostProfile. */
export class Unsure {}
const UNSURE = new Unsure();

export function unsure(): never {
  throw UNSURE;
}

/** `accept(value)`, or undefined when the acceptor is not sure. */
export function tryAccept<T>(accept: (v: unknown) => T, value: unknown): T | undefined {
  try {
    return accept(value);
  } catch (err) {
    if (err === UNSURE) return undefined;
    throw err;
  }
}

export type Check<T> = ((v: unknown) => T) & {
  /** For tests comparing an acceptor's structure with its zod schema: the object's fields, a list's element, a nullable's value. */
  readonly fields?: Record<string, Field>;
  readonly element?: Check<unknown>;
  readonly inner?: Check<unknown>;
};

export const str: Check<string> = (v) => (typeof v === 'string' ? v : unsure());
export const nonEmpty: Check<string> = (v) => (typeof v === 'string' && v.length >= 1 ? v : unsure());
export const bool: Check<boolean> = (v) => (typeof v === 'boolean' ? v : unsure());
export const matching =
  (re: RegExp): Check<string> =>
  (v) =>
    typeof v === 'string' && re.test(v) ? v : unsure();
export const oneOf =
  <T extends string>(values: readonly T[]): Check<T> =>
  (v) =>
    typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : unsure();
export const literal =
  <T extends string>(value: T): Check<T> =>
  (v) =>
    v === value ? value : unsure();
/** A safe integer in [min, max]. */
export const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check<number> =>
  (v) =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= min && v <= max ? v : unsure();
export const nullable = <T>(check: Check<T>): Check<T | null> =>
  Object.assign((v: unknown) => (v === null ? null : check(v)), { inner: check });
export const array = <T>(check: Check<T>): Check<T[]> =>
  Object.assign(
    (v: unknown) => {
      if (!Array.isArray(v)) return unsure();
      const out: T[] = [];
      for (let i = 0; i < v.length; i++) out.push(check(v[i]));
      return out;
    },
    { element: check },
  );

/** Per key of an object: how its value is accepted, and what an absent (undefined) value becomes. */
export type Field =
  | { check: Check<unknown>; kind: 'required' }
  | { check: Check<unknown>; kind: 'optional' }
  | { check: Check<unknown>; kind: 'default'; value: () => unknown };
export const required = (check: Check<unknown>): Field => ({ check, kind: 'required' });
export const optional = (check: Check<unknown>): Field => ({ check, kind: 'optional' });
export const withDefault = (check: Check<unknown>, value: () => unknown): Field => ({ check, kind: 'default', value });

/**
 * A strict object (zod's `.object(shape).strict()`): a plain object with no key outside `shape`; the output
 * has the shape's keys in the shape's order: a required key's value, a default's when the value is
 * undefined, and an optional key only when the input has it (undefined stays undefined, as zod keeps it).
 */
export function strictObject<T>(shape: Record<string, Field>): Check<T> {
  const keys = Object.keys(shape);
  const check = (v: unknown): T => {
    if (typeof v !== 'object' || v === null || Object.getPrototypeOf(v) !== Object.prototype) return unsure();
    const input = v as Record<string, unknown>;
    for (const k of Object.keys(input)) if (!Object.hasOwn(shape, k)) return unsure();
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const f = shape[k] as Field;
      const x = input[k];
      if (f.kind === 'required') out[k] = f.check(x);
      else if (x !== undefined) out[k] = f.check(x);
      else if (f.kind === 'default') out[k] = f.value();
      else if (Object.hasOwn(input, k)) out[k] = undefined;
    }
    return out as T;
  };
  return Object.assign(check, { fields: shape });
}

let zod: typeof Zod.z | undefined;
/**
 * zod, loaded on first use (the error path), configured to validate interpretively: a spec or profile is
 * parsed once per process, and compiling a validator (zod's JIT) costs more than it saves.
 */
export function loadZod(): typeof Zod.z {
  if (!zod) {
    // required, not imported: the happy path never loads it (the fast plan bundle keeps it external)
    const z = (createRequire(import.meta.url)('zod') as typeof Zod).z;
    z.config({ jitless: true });
    zod = z;
  }
  return zod;
}
