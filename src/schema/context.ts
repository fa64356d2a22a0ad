import type { Database } from '../db/index.ts';
import type { Config } from '../config/index.ts';
import type { Loaders } from './loaders.ts';

/** Who is calling. Anonymous callers read accepted data only. */
export interface Actor {
  role: 'ANONYMOUS' | 'SUBMITTER' | 'MAINTAINER' | 'ADMIN';
  keyId: string | null;
  vendorId: string | null;
}

export const ANONYMOUS: Actor = Object.freeze({ role: 'ANONYMOUS', keyId: null, vendorId: null });

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
