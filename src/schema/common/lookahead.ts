import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * True when the client selects nothing but `id` (and `__typename`) on this field's object, so a
 * resolver that already knows the id can answer without loading the row.
 */
export function selectsOnlyId(info: GraphQLResolveInfo): boolean {
  for (const node of info.fieldNodes) {
    for (const sel of node.selectionSet?.selections ?? []) {
      if (sel.kind !== Kind.FIELD) return false;
      if (sel.name.value !== 'id' && sel.name.value !== '__typename') return false;
    }
  }
  return true;
}

/** Loads the row unless only its id is asked for. */
export function refById<T>(
  id: string | null,
  info: GraphQLResolveInfo,
  load: (id: string) => Promise<T | null>,
): Promise<T | null> | { id: string } | null {
  if (id == null) return null;
  return selectsOnlyId(info) ? { id } : load(id);
}

type Visit = (field: FieldNode) => void;

/** Each field selected directly in `set`, through inline and named fragments (each fragment once). */
function eachField(info: GraphQLResolveInfo, set: SelectionSetNode | undefined, visit: Visit, seen: Set<string>): void {
  for (const sel of set?.selections ?? []) {
    if (sel.kind === Kind.FIELD) visit(sel);
    else if (sel.kind === Kind.INLINE_FRAGMENT) eachField(info, sel.selectionSet, visit, seen);
    else if (!seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      eachField(info, info.fragments[sel.name.value]?.selectionSet, visit, seen);
    }
  }
}

/**
 * The field nodes the client's selection on this field reaches along `path` (field names,
 * outermost first), through inline fragments and named fragments. Directives (@skip, @include)
 * are not evaluated: a field they may drop counts as selected, so a resolver that fetches ahead
 * fetches at most too much.
 */
export function fieldsAt(info: GraphQLResolveInfo, path: readonly string[]): FieldNode[] {
  let level: FieldNode[] = [...info.fieldNodes];
  for (const name of path) {
    const next: FieldNode[] = [];
    for (const f of level) eachField(info, f.selectionSet, (x) => x.name.value === name && next.push(x), new Set());
    level = next;
    if (level.length === 0) break;
  }
  return level;
}

/** Whether the selection reaches `path` (see fieldsAt). */
export function selectsPath(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  return fieldsAt(info, path).length > 0;
}

/** The names of the fields selected directly under `fields` (through fragments). */
export function subfieldNames(info: GraphQLResolveInfo, fields: readonly FieldNode[]): Set<string> {
  const names = new Set<string>();
  for (const f of fields) eachField(info, f.selectionSet, (x) => names.add(x.name.value), new Set());
  return names;
}
