// Assembles the executable schema from one SDL file and one resolver map per domain module.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { commonResolvers, connectionResolvers } from './common/resolvers.ts';
import { guestOSResolvers } from './guest-os/resolvers.ts';
import { deviceResolvers } from './device/resolvers.ts';
import { hypervisorResolvers } from './hypervisor/resolvers.ts';
import { hardwareFeatureResolvers } from './hardware-feature/resolvers.ts';
import { compatibilityResolvers } from './compatibility/resolvers.ts';
import { catalogueResolvers } from './catalogue/resolvers.ts';
import { vendorResolvers } from './vendor/resolvers.ts';
import { moveResolvers } from './move/resolvers.ts';
import { driverResolvers } from './driver/resolvers.ts';
import { correctionResolvers } from './correction/resolvers.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** Module folders in load order; each holds `<name>.graphql` and `resolvers.ts`. */
export const MODULES = [
  'common',
  'guest-os',
  'device',
  'hypervisor',
  'hardware-feature',
  'compatibility',
  'catalogue',
  'vendor',
  'move',
  'driver',
  'correction',
];

export function loadTypeDefs(): string[] {
  return MODULES.map((m) => readFileSync(join(here, m, `${m}.graphql`), 'utf8'));
}

export function buildSchema(): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: [
      commonResolvers,
      connectionResolvers,
      guestOSResolvers,
      deviceResolvers,
      hypervisorResolvers,
      hardwareFeatureResolvers,
      compatibilityResolvers,
      catalogueResolvers,
      vendorResolvers,
      moveResolvers,
      driverResolvers,
      correctionResolvers,
    ],
    inheritResolversFromInterfaces: true,
  });
}

/** The SDL committed as schema.graphql at the repository root. */
export function printSDL(schema: GraphQLSchema = buildSchema()): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
