// Input checks shared by the write mutations. Every problem becomes an InputError with the field's
// path, collected (not thrown), so a vendor sees all of them at once. Strings are checked before
// they reach SQL: PostgreSQL refuses NUL bytes, and ids have a known shape.

export type InputErrorCode =
  | 'REQUIRED'
  | 'INVALID_FORMAT'
  | 'TOO_LONG'
  | 'OUT_OF_RANGE'
  | 'UNKNOWN_REFERENCE'
  | 'NOT_PRESENTED'
  | 'NOT_DRIVEN'
  | 'BACKEND_NOT_OFFERED'
  | 'EVIDENCE_REQUIRED'
  | 'NOT_SUPERSEDABLE'
  | 'DUPLICATE'
  | 'TAKEN'
  | 'CYCLE'
  | 'WRONG_VENDOR_KIND';

export interface InputError {
  recordIndex: number | null;
  path: string[];
  message: string;
  code: InputErrorCode;
}

/** Collects input errors under a base path (`records.3`, `input`). */
export class Problems {
  constructor(
    readonly list: InputError[] = [],
    private readonly base: string[] = [],
    private readonly recordIndex: number | null = null,
  ) {}
  /** A collector for one record of a list argument. */
  record(arg: string, index: number): Problems {
    return new Problems(this.list, [arg, String(index)], index);
  }
  under(...path: Array<string | number>): Problems {
    return new Problems(this.list, [...this.base, ...path.map(String)], this.recordIndex);
  }
  add(path: Array<string | number>, code: InputErrorCode, message: string): void {
    this.list.push({ recordIndex: this.recordIndex, path: [...this.base, ...path.map(String)], message, code });
  }
  get count(): number {
    return this.list.length;
  }
}

// C0/C1 controls and DEL (Unicode's Cc: U+0000-001F, U+007F-009F); tab/newline/carriage return
// allowed only in multi-line text.
const CONTROL = /(?![\t\n\r])\p{Cc}/u;
const CONTROL_SINGLE_LINE = /\p{Cc}/u;
// Bidirectional overrides and isolates: legitimate in prose rarely, in identifiers never.
const BIDI = /[\u202a-\u202e\u2066-\u2069]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const show = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

export interface TextRule {
  max: number;
  multiline?: boolean;
  pattern?: RegExp;
  hint?: string;
}

/**
 * Checks a string field; returns it when valid, undefined when it is absent (undefined/null) or
 * invalid (a problem was added). `required` adds REQUIRED for absent or empty values.
 */
export function text(p: Problems, path: Array<string | number>, v: unknown, rule: TextRule, required = false): string | undefined {
  if (v === undefined || v === null) {
    if (required) p.add(path, 'REQUIRED', 'required');
    return undefined;
  }
  if (typeof v !== 'string') {
    p.add(path, 'INVALID_FORMAT', 'expected a string');
    return undefined;
  }
  if (v.length === 0 || (required && v.trim().length === 0)) {
    p.add(path, 'REQUIRED', 'must not be empty');
    return undefined;
  }
  if (v.length > rule.max) {
    p.add(path, 'TOO_LONG', `at most ${rule.max} characters, got ${v.length}`);
    return undefined;
  }
  if (LONE_SURROGATE.test(v)) {
    p.add(path, 'INVALID_FORMAT', 'contains an unpaired UTF-16 surrogate (not valid Unicode)');
    return undefined;
  }
  if ((rule.multiline ? CONTROL : CONTROL_SINGLE_LINE).test(v)) {
    p.add(path, 'INVALID_FORMAT', 'contains control characters');
    return undefined;
  }
  if (BIDI.test(v) && rule.pattern) {
    p.add(path, 'INVALID_FORMAT', 'contains bidirectional control characters');
    return undefined;
  }
  if (rule.pattern && !rule.pattern.test(v)) {
    p.add(path, 'INVALID_FORMAT', `${show(v)} is not ${rule.hint ?? 'in the expected format'}`);
    return undefined;
  }
  return v.normalize('NFC');
}

export const RULES = {
  /** A catalogue URI id: http(s), printable ASCII, no spaces. */
  uri: { max: 300, pattern: /^https?:\/\/[A-Za-z0-9][!#-~]*$/, hint: 'an http(s) URI id such as http://example.org/os/1' },
  /** A reference: an id, a short id, a key or key:version; printable ASCII without spaces. */
  ref: { max: 300, pattern: /^[!-~]+$/, hint: 'an id, short id or key (printable ASCII, no spaces)' },
  shortId: { max: 64, pattern: /^[a-z0-9][a-z0-9._+-]*$/, hint: 'a short id: lower-case letters, digits, . _ + -' },
  key: { max: 64, pattern: /^[a-z0-9][a-z0-9._+-]*$/, hint: 'a key: lower-case letters, digits, . _ + -' },
  slug: { max: 64, pattern: /^[a-z0-9][a-z0-9-]*$/, hint: 'a slug: lower-case letters, digits and -' },
  hex4: { max: 4, pattern: /^[0-9a-f]{4}$/, hint: 'four lower-case hex digits' },
  arch: { max: 32, pattern: /^[a-z0-9_]+$/, hint: 'an architecture name (x86_64, aarch64, all ...)' },
  bus: { max: 32, pattern: /^[a-z0-9-]+$/, hint: 'a bus name (pci, usb, xen, vmbus, virtio-mmio ...)' },
  version: { max: 64, pattern: /^[A-Za-z0-9][A-Za-z0-9._+~-]*$/, hint: 'a version: letters, digits, . _ + ~ -' },
  name: { max: 200 },
  short: { max: 200 },
  notes: { max: 4000, multiline: true },
  /** RFC 3986 characters only: quotes, <, >, braces and spaces must be percent-encoded. */
  url: {
    max: 2000,
    pattern: /^https?:\/\/[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/,
    hint: 'an http(s) URL (RFC 3986 characters; percent-encode others)',
  },
} satisfies Record<string, TextRule>;

/** An http(s) URL that also parses. */
export function url(p: Problems, path: Array<string | number>, v: unknown): string | undefined {
  const s = text(p, path, v, RULES.url);
  if (s === undefined) return undefined;
  try {
    const u = new URL(s);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    return s;
  } catch {
    p.add(path, 'INVALID_FORMAT', `${show(s)} is not an http(s) URL`);
    return undefined;
  }
}

export function int(p: Problems, path: Array<string | number>, v: unknown, min: number, max: number): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || (Number.isInteger(min) && !Number.isInteger(v))) {
    p.add(path, 'INVALID_FORMAT', 'expected a number');
    return undefined;
  }
  if (v < min || v > max) {
    p.add(path, 'OUT_OF_RANGE', `must be between ${min} and ${max}, got ${v}`);
    return undefined;
  }
  return v;
}

/** Flags values that occur twice in a list (by key). */
export function unique<T>(
  p: Problems,
  path: Array<string | number>,
  items: readonly T[],
  key: (t: T) => string | undefined,
  what: string,
): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const k = key(item);
    if (k === undefined) return;
    const first = seen.get(k);
    if (first !== undefined) p.add([...path, i], 'DUPLICATE', `${what} ${show(k)} is already listed at index ${first}`);
    else seen.set(k, i);
  });
}

/** A list argument with a cap on its length. */
export function list<T>(
  p: Problems,
  path: Array<string | number>,
  v: readonly T[] | null | undefined,
  max: number,
): readonly T[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (v.length > max) {
    p.add(path, 'OUT_OF_RANGE', `at most ${max} entries, got ${v.length}`);
    return undefined;
  }
  return v;
}

/** Today in UTC, YYYY-MM-DD. */
export const today = () => new Date().toISOString().slice(0, 10);

/** Canonical JSON (sorted keys), for request hashes and change detection. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return `{${Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v instanceof Date ? v.toISOString() : v);
}
