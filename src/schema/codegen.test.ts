// The committed resolver map types are what the SDL generates now, and they check what they claim to.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderResolverTypes, schemaOf } from './codegen.ts';
import { loadTypeDefs } from './index.ts';

describe('resolver types generated from the SDL', () => {
  it('are up to date (run `npm run schema:print` after changing a .graphql file)', () => {
    const schema = schemaOf(loadTypeDefs());
    const committed = readFileSync(join(import.meta.dirname, 'resolvers.generated.ts'), 'utf8');
    expect(committed).toBe(renderResolverTypes(schema));
  });

  it('type arguments as the SDL declares them: defaults make them present, non-null makes them required', () => {
    const schema = schemaOf([
      `
        enum Role { SUBMITTER ADMIN }
        input Filter { role: Role = ADMIN, name: String, tags: [String!]! }
        type Query { things(first: Int = 10, after: String, id: ID!, filter: Filter): [Thing!]! }
        type Subscription { changed(guest: String): Thing }
        type Thing { id: ID! }
      `,
    ]);
    const out = renderResolverTypes(schema);
    expect(out).toContain(`export type Role = 'SUBMITTER' | 'ADMIN';`);
    expect(out).toContain(`export type Filter = {\n  role: Role;\n  name?: Maybe<string>;\n  tags: Array<string>;\n};`);
    expect(out).toContain(
      `  things?: FieldResolver<{\n    first: number;\n    after?: Maybe<string>;\n    id: string;\n    filter?: Maybe<Filter>;\n  }, Ctx>;`,
    );
    expect(out).toContain(`  changed?: SubscriptionResolver<{\n    guest?: Maybe<string>;\n  }, Ctx>;`);
    expect(out).toContain(`  Thing?: ThingResolvers<Ctx>;`);
  });
});
