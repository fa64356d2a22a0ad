// Resolver map types from the SDL: for every object, interface and subscription type a map of its
// fields with their argument types, so each module's resolvers are checked against the schema
// (`satisfies Resolvers<Ctx>`: a misspelt type or field, or arguments the SDL does not give, fail
// the typecheck). graphql-codegen's typescript-resolvers does this too; these few dozen lines over
// graphql-js do what this schema needs without a code generator toolchain. The output is committed
// (src/schema/resolvers.generated.ts); `npm run schema:print` rewrites it with schema.graphql, and
// src/schema/codegen.test.ts fails when it is stale.
//
// Parents are left to the modules (`any`): a field's parent is what its parent resolver returned,
// usually a database row, not the GraphQL type.
import {
  buildASTSchema,
  concatAST,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLInputType,
  type GraphQLNamedType,
  parse,
  type GraphQLSchema,
} from 'graphql';

/** TypeScript types of the custom scalars, as resolvers receive them in arguments. */
const SCALARS: Record<string, string> = {
  ID: 'string',
  String: 'string',
  Int: 'number',
  Float: 'number',
  Boolean: 'boolean',
  Date: 'string',
  DateTime: 'string',
  JSON: 'unknown',
};

function inputType(t: GraphQLInputType): string {
  if (isNonNullType(t)) return bare(t.ofType);
  return `Maybe<${bare(t)}>`;
}

function bare(t: GraphQLInputType): string {
  if (isListType(t)) return `Array<${inputType(t.ofType)}>`;
  if (isNonNullType(t)) return bare(t.ofType);
  const name = (t as GraphQLNamedType).name;
  if (isScalarType(t)) return SCALARS[name] ?? 'unknown';
  return name;
}

interface Entry {
  name: string;
  type: GraphQLInputType;
  defaultValue: unknown;
}

/**
 * An argument or input field with a default value is always present (graphql-js fills it in) and
 * typed as given, as graphql-codegen types it (RequireFields); one without is optional and nullable
 * unless the SDL says non-null.
 */
function fields(entries: readonly Entry[]): string {
  if (entries.length === 0) return 'Record<string, never>';
  const line = (e: Entry) =>
    e.defaultValue !== undefined
      ? `  ${e.name}: ${bare(e.type)};`
      : `  ${e.name}${isNonNullType(e.type) ? '' : '?'}: ${inputType(e.type)};`;
  return `{\n${entries.map(line).join('\n')}\n}`;
}

const argsOf = (args: readonly GraphQLArgument[]) => fields(args);

/** The schema of SDL sources (the modules' .graphql files), built by this module's graphql-js. */
export function schemaOf(typeDefs: readonly string[]): GraphQLSchema {
  return buildASTSchema(concatAST(typeDefs.map((t) => parse(t))));
}

export function renderResolverTypes(schema: GraphQLSchema): string {
  const types = Object.values(schema.getTypeMap())
    .filter((t) => !t.name.startsWith('__'))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [
    '// Generated from the SDL by src/schema/codegen.ts (`npm run schema:print`); do not edit.',
    '// biome-ignore-all lint: generated file',
    "import type { GraphQLResolveInfo, GraphQLScalarType } from 'graphql';",
    '',
    'export type Maybe<T> = T | null;',
    '/** A field resolver; the parent is the module\u2019s to type (see codegen.ts). */',
    'export type FieldResolver<Args, Ctx> = (parent: any, args: Args, ctx: Ctx, info: GraphQLResolveInfo) => unknown;',
    'export type SubscriptionResolver<Args, Ctx> = {',
    '  subscribe: (parent: any, args: Args, ctx: Ctx, info: GraphQLResolveInfo) => unknown;',
    '  resolve?: (payload: any, args: Args, ctx: Ctx, info: GraphQLResolveInfo) => unknown;',
    '};',
    'export type TypeResolver<Ctx> = (value: any, ctx: Ctx, info: GraphQLResolveInfo) => unknown;',
    '',
  ];
  const maps: string[] = [];
  const subscription = schema.getSubscriptionType()?.name;
  for (const t of types) {
    if (isEnumType(t)) {
      out.push(
        `export type ${t.name} = ${t
          .getValues()
          .map((v) => `'${v.name}'`)
          .join(' | ')};`,
        '',
      );
    } else if (isInputObjectType(t)) {
      out.push(`export type ${t.name} = ${fields(Object.values(t.getFields()))};`, '');
    } else if (isScalarType(t)) {
      if (!(t.name in SCALARS) || ['Date', 'DateTime', 'JSON'].includes(t.name)) maps.push(`  ${t.name}?: GraphQLScalarType;`);
    } else if (isObjectType(t) || isInterfaceType(t)) {
      const lines: string[] = [];
      if (isInterfaceType(t)) lines.push('  __resolveType?: TypeResolver<Ctx>;');
      if (isObjectType(t)) lines.push('  __isTypeOf?: TypeResolver<Ctx>;');
      for (const f of Object.values(t.getFields())) {
        const kind = t.name === subscription ? 'SubscriptionResolver' : 'FieldResolver';
        lines.push(`  ${f.name}?: ${kind}<${argsOf(f.args).replace(/\n/g, '\n  ')}, Ctx>;`);
      }
      out.push(`export type ${t.name}Resolvers<Ctx> = {\n${lines.join('\n')}\n};`, '');
      maps.push(`  ${t.name}?: ${t.name}Resolvers<Ctx>;`);
    } else if (isUnionType(t)) {
      out.push(`export type ${t.name}Resolvers<Ctx> = {\n  __resolveType?: TypeResolver<Ctx>;\n};`, '');
      maps.push(`  ${t.name}?: ${t.name}Resolvers<Ctx>;`);
    }
  }
  out.push(
    '/** One module\u2019s resolver map: any subset of the schema\u2019s types and fields. */',
    `export type Resolvers<Ctx> = {\n${maps.join('\n')}\n};`,
    '',
  );
  return out.join('\n');
}
