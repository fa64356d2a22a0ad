// Where a value's presence is an invariant the type system cannot see (a regex group that the
// pattern always captures, element 0 of a list just checked to be non-empty), these say so and
// fail loudly with what was expected, instead of a `!` that would let `undefined` run on.
// Where a value can honestly be missing, check it instead.

/** A broken invariant: a bug in this code, never bad input (bad input gets its own typed error). */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

/** `value`, or an InvariantError naming `what` was expected. */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === undefined || value === null) throw new InvariantError(`expected ${what}, found ${value}`);
  return value;
}

/** Element `i` of `list` (negative counts from the end), which the caller knows exists. */
export function at<T>(list: ArrayLike<T>, i: number, what = `element ${i}`): T {
  const j = i < 0 ? list.length + i : i;
  if (j < 0 || j >= list.length) throw new InvariantError(`expected ${what} of a list of ${list.length}`);
  return list[j] as T;
}

type Strings<N extends number, A extends string[] = []> = A['length'] extends N ? A : Strings<N, [...A, string]>;

/** Capture groups 1..n of a match whose pattern always captures each of them (none is optional). */
export function captures<N extends 1 | 2 | 3 | 4 | 5 | 6>(m: RegExpExecArray | RegExpMatchArray, n: N): Strings<N> {
  const out: string[] = [];
  for (let i = 1; i <= n; i++) out.push(must(m[i], `capture group ${i} in the match ${JSON.stringify(m[0])}`));
  return out as Strings<N>;
}
