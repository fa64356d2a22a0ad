// The catalogue-changed event: what one committed Change row tells subscribers and caches. The
// domain produces it (appendChanges returns the events of a transaction); the transport that
// carries it between service instances (in-memory or Redis) lives in src/api/pubsub.ts, and the
// CLI publishes the same JSON on the same channel.

/** One committed change to accepted catalogue data (a Change row), as subscribers receive it. */
export interface CatalogueEvent {
  seq: string;
  at: string;
  entityType: string;
  entityId: string;
  op: string;
  /** Guests and hypervisor releases whose compatibility answers the change can alter. */
  guestIds: string[];
  hypervisorReleaseIds: string[];
}

/** The pub/sub topic (and Redis channel) the events travel on. */
export const CATALOGUE_TOPIC = 'virtcompat:catalogue-change';
