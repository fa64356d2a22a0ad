// Writes schema.graphql (the committed SDL) from the schema modules. A test fails when they differ.
import { writeFileSync } from 'node:fs';
import { printSDL } from '../src/schema/index.ts';

writeFileSync(new URL('../schema.graphql', import.meta.url), printSDL());
console.log('wrote schema.graphql');
