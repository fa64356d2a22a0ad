import { Kind, type GraphQLResolveInfo } from 'graphql';

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
