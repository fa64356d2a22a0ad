// The one GraphQL operation that fetches everything decide() needs for a guest on a hypervisor,
// sent as an automatic persisted query (sha256 of this exact text: persistedHash()).
import { sha256Hex } from '../util/sha256.ts';

export const PLANNING_QUERY = `query VirtcompatPlanningFacts($guestId: ID, $guestShortId: String, $hypervisor: String!) {
  catalogueVersion
  guestOS(id: $guestId, shortId: $guestShortId) {
    id shortIds name family distro version kernel architectures tpmRequired
    derivesFrom { id }
    ancestors { id }
    firmware { arch type supported secureBoot }
    resources { arch kind cpus ramBytes storageBytes }
    devices { supported driverSource driverName source inheritedFrom { id } device { ...D } }
    paravirt { supported minKernel notes inheritedFrom { id } feature { ...F } }
    drivers { arch status reason sourceRef build { id version sourceRef package { key } } }
    compatibilityRecords(hypervisor: $hypervisor) {
      id status backend hypervisorRelease { id } device { id } hostFeature { key } testedDevices { id } evidence { url }
    }
  }
  hypervisor(key: $hypervisor) {
    key name family
    releases {
      id version name maxVcpus maxMemoryMiB machineTypes firmware virtualHardwareVersion vfio sriov
      devices { model supported device { ...D } }
      paravirt { supported feature { ...F } }
      hostFeatures { requirement anyOf feature { key vendor category detection { method value } } }
    }
    driverPackages { key name family feature { key } }
  }
}
fragment D on Device { id name bus vendorId productId class kind paravirtInterface }
fragment F on ParavirtFeature { key family kind dependsOnKeys }`;

export const VERSION_QUERY = `query VirtcompatCatalogueVersion { catalogueVersion }`;

/** Incremental sync: changes to accepted catalogue data after a cursor (issue 4's feed). */
export const CHANGES_QUERY = `query VirtcompatChanges($after: String, $first: Int) {
  catalogueVersion
  changes(after: $after, first: $first) {
    edges { cursor node { entityType entityId op guestIds hypervisorReleaseIds } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Variables for a guest given as an id (URI) or a short id. */
export function guestVariables(guest: string): { guestId: string | null; guestShortId: string | null } {
  return guest.includes('://') ? { guestId: guest, guestShortId: null } : { guestId: null, guestShortId: guest };
}

const hashes = new Map<string, string>();
/**
 * The automatic-persisted-query hash of an operation's text, computed when the service is first asked
 * (an offline plan never needs one, and hashing at module load cost every plan its time).
 */
export function persistedHash(query: string): string {
  let h = hashes.get(query);
  if (h === undefined) {
    h = sha256Hex(query);
    hashes.set(query, h);
  }
  return h;
}
