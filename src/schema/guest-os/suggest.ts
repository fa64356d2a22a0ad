// "Did you mean alpinelinux3.18?" for a guest id or short id the catalogue does not have. The
// GUEST_OS_NOT_FOUND error carries the closest short ids in extensions.suggestions (and in its
// message), so `virtcompat plan` and any other client can show them.
//
// Closeness, best first: a candidate the key is a prefix of (or that is a prefix of the key); one
// with the same version and a name part that extends or nearly matches the key's (alpine3.18 →
// alpinelinux3.18, rhel9.2 → rhel9.2 of another vendor's spelling); then small edit distances
// (win11 → win10, debain12 → debian12). Runs only on a miss, over one column of ~800 rows.
import type { Sql } from '../../db/sql.ts';
import { appError, ErrorCode } from '../../errors.ts';

/** Edit distance with adjacent transpositions (optimal string alignment), stopping early past max. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prev2[j - 2] ?? 0) + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length] ?? max + 1;
}

/** `alpinelinux3.18` → ['alpinelinux', '3.18']: the name part and the version part. */
function split(s: string): [string, string] {
  const m = /^(.*?[a-z])(\d.*)?$/.exec(s);
  return m ? [m[1] ?? s, m[2] ?? ''] : [s, ''];
}

/** A rank for how close candidate c is to the key q (lower is closer), or null when it is not close. */
export function closeness(q: string, c: string): number | null {
  if (q === c) return 0;
  if (c.startsWith(q) || q.startsWith(c)) return 1 + Math.abs(c.length - q.length) / 100;
  const [qn, qv] = split(q);
  const [cn, cv] = split(c);
  if (qv && qv === cv && (cn.startsWith(qn) || qn.startsWith(cn) || editDistance(qn, cn, 2) <= 2)) return 2 + editDistance(qn, cn) / 100;
  const limit = Math.max(1, Math.min(3, Math.floor(q.length / 4)));
  const d = editDistance(q, c, limit);
  return d <= limit ? 3 + d : null;
}

/** Up to `max` short ids (or ids, for guests without one) close to key, closest first. */
export async function suggestGuests(sql: Sql, key: string, max = 3): Promise<string[]> {
  const q = key.trim().toLowerCase();
  if (!q || q.length > 200) return [];
  const rows = await sql.query<{ id: string; shortIds: string[] }>(`SELECT id, "shortIds" FROM "GuestOS"`);
  const best = new Map<string, number>();
  for (const r of rows) {
    const shown = r.shortIds[0] ?? r.id;
    for (const c of [...r.shortIds, r.id]) {
      const rank = closeness(q, c.toLowerCase());
      if (rank !== null && rank < (best.get(shown) ?? Number.POSITIVE_INFINITY)) best.set(shown, rank);
    }
  }
  return [...best]
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, max)
    .map(([s]) => s);
}

/** GUEST_OS_NOT_FOUND for key, with `suggestions` (maybe empty) and a "did you mean" in the message. */
export async function guestNotFound(sql: Sql, key: string) {
  const suggestions = await suggestGuests(sql, key).catch(() => []);
  const hint = suggestions.length ? `; did you mean ${suggestions.join(' or ')}?` : '';
  return appError(ErrorCode.GUEST_OS_NOT_FOUND, `guest OS ${JSON.stringify(key)} does not exist${hint}`, { key, suggestions });
}
