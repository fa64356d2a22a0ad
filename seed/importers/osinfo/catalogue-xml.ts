// The whole catalogue in virtcompat's own XML namespace, beside the osinfo-db tree `export osinfo`
// writes: virtcompat/catalogue.xml holds every row of every catalogue table (src/catalogue/digest.ts
// says which tables: bookkeeping, credentials and the derived ancestry are left out) as JSON, with
// its sources, so `import osinfo` of an export gives back exactly what was exported: platforms the
// osinfo format cannot name, deployments, paravirt rows, corrections, vendors, owners. libosinfo
// loads the file too (it reads every XML file below its directory) and skips virtcompat's elements.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sql } from '../../../src/db/sql.ts';
import { catalogueTables, EXCLUDED_TABLES } from '../../../src/catalogue/digest.ts';
import { parseXml, type XmlElement } from './xml.ts';

export const CATALOGUE_FILE = 'virtcompat/catalogue.xml';
export const VC_NAMESPACE = 'http://virtcompat.org/xmlns/catalogue/1';

export class CatalogueXmlError extends Error {
  override name = 'CatalogueXmlError';
  readonly code = 'IMPORT_CATALOGUE_INVALID';
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string) => esc(s).replace(/"/g, '&quot;');

/**
 * The tables in an order where every foreign key's target table comes before the table that refers
 * to it, read from the database's own constraints, so a table added later is placed right without
 * being listed anywhere. Among tables that are ready at the same step the name decides: the order
 * only has to be deterministic (the export's table order; restoring needs no more than the foreign
 * keys, and the change feed's entries are sorted before they are written). A reference of a table
 * to itself is one statement's business and does not count.
 */
async function ordered(tx: Sql, tables: string[]): Promise<string[]> {
  const edges = await tx.query<{ child: string; parent: string }>(
    `SELECT cl.relname AS child, pl.relname AS parent
       FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class pl ON pl.oid = c.confrelid
      WHERE c.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace`,
  );
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const wanted = new Set(tables);
  const parents = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const e of edges) if (e.child !== e.parent && wanted.has(e.child) && wanted.has(e.parent)) parents.get(e.child)?.add(e.parent);
  const out: string[] = [];
  const done = new Set<string>();
  while (out.length < tables.length) {
    const ready = tables.filter((t) => !done.has(t) && [...(parents.get(t) ?? [])].every((p) => done.has(p))).sort(byName);
    // A cycle between tables (none today) falls back to the name order for what is left.
    const next = ready[0] ?? tables.filter((t) => !done.has(t)).sort(byName)[0];
    if (next === undefined) break;
    out.push(next);
    done.add(next);
  }
  return out;
}

/** The sha256 of a file's bytes, as the export records it for each file it writes. */
export const fileDigest = (bytes: string | Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Every catalogue row as virtcompat XML (read inside the caller's snapshot), and the digest of each
 * other file of the export (`written`: path -> text), so an import can tell a hand-edited tree.
 */
export async function catalogueXml(
  tx: Sql,
  written: ReadonlyMap<string, string> = new Map(),
): Promise<{ text: string; rows: Record<string, number> }> {
  // libosinfo reads every XML file below its directory and wants <libosinfo> as the root; it
  // skips elements it does not know, such as virtcompat's.
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<libosinfo version="0.0.1" xmlns:vc="${VC_NAMESPACE}">`,
    '<vc:catalogue version="1">',
  ];
  const rows: Record<string, number> = {};
  for (const table of await ordered(tx, await catalogueTables(tx))) {
    const list = (await tx.query<{ r: string }>(`SELECT to_jsonb(x)::text AS r FROM ${q(table)} x`)).map((r) => r.r).sort();
    rows[table] = list.length;
    out.push(`  <vc:table name="${esc(table)}">`);
    for (const r of list) out.push(`    <vc:row>${esc(r)}</vc:row>`);
    out.push('  </vc:table>');
  }
  out.push('  <vc:files>');
  for (const rel of [...written.keys()].filter((r) => r !== CATALOGUE_FILE).sort())
    out.push(`    <vc:file path="${escAttr(rel)}" sha256="${fileDigest(written.get(rel) ?? '')}"/>`);
  out.push('  </vc:files>');
  out.push('</vc:catalogue>', '</libosinfo>', '');
  return { text: out.join('\n'), rows };
}

export interface ParsedCatalogue {
  /** The rows of each table, as JSON texts. */
  tables: Map<string, string[]>;
  /** The export's other files and their sha256 (path -> digest); null for an export without the list. */
  files: Map<string, string> | null;
}

/** The rows of each table in a virtcompat/catalogue.xml, and the files of the export it was written with. */
export function parseCatalogueXml(text: string, file: string): ParsedCatalogue {
  const doc = parseXml(text, file);
  const root = doc.name === 'libosinfo' ? doc.children.find((c) => c.name === 'vc:catalogue') : undefined;
  if (!root) throw new CatalogueXmlError(`${file}: expected <libosinfo> holding <vc:catalogue>, found <${doc.name}>`);
  const out = new Map<string, string[]>();
  let files: Map<string, string> | null = null;
  for (const t of root.children) {
    if (t.name === 'vc:files') {
      files = new Map();
      for (const f of t.children) {
        const path = f.attrs.path;
        const sha = f.attrs.sha256;
        if (f.name !== 'vc:file' || !path || !sha || !/^[0-9a-f]{64}$/.test(sha))
          throw new CatalogueXmlError(`${file}:${f.line}: expected <vc:file path="..." sha256="..."/> in <vc:files>`);
        files.set(path, sha);
      }
      continue;
    }
    if (t.name !== 'vc:table') throw new CatalogueXmlError(`${file}:${t.line}: unexpected <${t.name}> in <vc:catalogue>`);
    const name = t.attrs.name;
    if (!name) throw new CatalogueXmlError(`${file}:${t.line}: <vc:table> without a name`);
    const rows = t.children.map((r: XmlElement) => {
      if (r.name !== 'vc:row') throw new CatalogueXmlError(`${file}:${r.line}: unexpected <${r.name}> in table ${name}`);
      try {
        const v: unknown = JSON.parse(r.text);
        if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
      } catch (err) {
        throw new CatalogueXmlError(`${file}:${r.line}: a row of ${name} is not a JSON object (${(err as Error).message})`);
      }
      return r.text;
    });
    out.set(name, rows);
  }
  return { tables: out, files };
}

/** The sha256 of every file below `root` but virtcompat/catalogue.xml, by path relative to it ('/'-separated). */
export async function treeDigests(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string) => {
    for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile() && r !== CATALOGUE_FILE) out.set(r, fileDigest(await readFile(join(root, r))));
    }
  };
  await walk('');
  return out;
}

/**
 * The files of a tree that differ from the export `recorded` lists: edited by hand (or by anything)
 * after the export, added to it, or removed from it.
 */
export function divergedFiles(
  recorded: ReadonlyMap<string, string>,
  now: ReadonlyMap<string, string>,
): { edited: string[]; added: string[]; removed: string[] } {
  const edited: string[] = [];
  const added: string[] = [];
  const removed: string[] = [];
  for (const [rel, sha] of now) {
    const was = recorded.get(rel);
    if (was === undefined) added.push(rel);
    else if (was !== sha) edited.push(rel);
  }
  for (const rel of recorded.keys()) if (!now.has(rel)) removed.push(rel);
  return { edited: edited.sort(), added: added.sort(), removed: removed.sort() };
}

/**
 * Writes the rows back: each table's rows are inserted, or update the row with the same primary key
 * where anything differs. A table this database does not have is an error (the export came from a
 * newer schema); one the catalogue leaves out (EXCLUDED_TABLES: credentials, bookkeeping) is passed
 * over. Returns per table how many rows were created, updated and unchanged.
 */
export async function restoreCatalogue(
  tx: Sql,
  tables: Map<string, string[]>,
  /** Change-feed entities written (`${table}\u0000${id}`), for the tables whose rows have an id. */
  changed: Set<string>,
): Promise<Record<string, { created: number; updated: number; unchanged: number; deleted: number; kept: number }>> {
  const known = new Set(await catalogueTables(tx));
  // A table the catalogue leaves out (credentials, bookkeeping) that an older export still wrote is
  // passed over: its rows are never restored.
  const restored = [...tables.keys()].filter((t) => !(t in EXCLUDED_TABLES));
  for (const t of restored) if (!known.has(t)) throw new CatalogueXmlError(`${CATALOGUE_FILE}: table ${t} is not in this catalogue`);
  const counts: Record<string, { created: number; updated: number; unchanged: number; deleted: number; kept: number }> = {};
  for (const table of await ordered(tx, restored)) {
    const rows = tables.get(table) ?? [];
    if (rows.length === 0) continue;
    const cols = (
      await tx.query<{ c: string }>(
        `SELECT column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
        [table],
      )
    ).map((r) => r.c);
    const pk = (
      await tx.query<{ c: string }>(
        `SELECT a.attname AS c FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
          WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY a.attnum`,
        [q(table)],
      )
    ).map((r) => r.c);
    const nonKey = cols.filter((c) => !pk.includes(c));
    const list = cols.map(q).join(', ');
    const res = await tx.query<{ inserted: boolean; id: string | null }>(
      `INSERT INTO ${q(table)} AS t (${list})
       SELECT ${list} FROM jsonb_populate_recordset(NULL::${q(table)}, $1::jsonb)
       ON CONFLICT (${pk.map(q).join(', ')}) ${
         nonKey.length === 0
           ? 'DO NOTHING'
           : `DO UPDATE SET ${nonKey.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(', ')}
        WHERE ROW(${nonKey.map((c) => `t.${q(c)}`).join(', ')}) IS DISTINCT FROM ROW(${nonKey.map((c) => `EXCLUDED.${q(c)}`).join(', ')})`
       }
       RETURNING (xmax = 0) AS inserted, ${cols.includes('id') ? 't.id::text' : 'NULL::text'} AS id`,
      [`[${rows.join(',')}]`],
    );
    const created = res.filter((r) => r.inserted).length;
    counts[table] = { created, updated: res.length - created, unchanged: rows.length - res.length, deleted: 0, kept: 0 };
    for (const r of res) if (r.id !== null) changed.add(`${table}\u0000${r.id}`);
  }
  return counts;
}
