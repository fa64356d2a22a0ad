// Writes schema.graphql (the committed SDL) from the schema modules, and the resolver map types
// generated from it (src/schema/resolvers.generated.ts). Tests fail when either is stale.
import { writeFileSync } from 'node:fs';
import { buildSchema, loadTypeDefs, printSDL } from '../src/schema/index.ts';
import { renderResolverTypes, schemaOf } from '../src/schema/codegen.ts';

const schema = buildSchema();
writeFileSync(new URL('../schema.graphql', import.meta.url), printSDL(schema));
console.log('wrote schema.graphql');
writeFileSync(new URL('../src/schema/resolvers.generated.ts', import.meta.url), renderResolverTypes(schemaOf(loadTypeDefs())));
console.log('wrote src/schema/resolvers.generated.ts');
