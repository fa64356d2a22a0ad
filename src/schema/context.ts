import type { Database } from '../db/index.ts';
import type { Config } from '../config/index.ts';
import type { PubSub } from 'graphql-yoga';
import type { Actor } from '../catalogue/actor.ts';
import type { CATALOGUE_TOPIC, CatalogueEvent } from '../catalogue/events.ts';
import type { Loaders } from './loaders.ts';

export { ANONYMOUS, type Actor } from '../catalogue/actor.ts';

/**
 * The pub/sub the change subscription reads and the write mutations publish to. The schema says
 * what it needs; src/api/pubsub.ts provides it (in memory or through Redis).
 */
export type CataloguePubSub = PubSub<{ [CATALOGUE_TOPIC]: [CatalogueEvent] }>;

export interface Services {
  db: Database;
  config: Config;
  /** Called after every committed write, so caches can drop what they hold. */
  onCatalogueChange(): void;
}

export interface GraphQLContext extends Services {
  loaders: Loaders;
  actor: Actor;
}
