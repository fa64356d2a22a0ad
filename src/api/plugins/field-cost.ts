// Weights for resolvers whose cost the generic cost limit (graphql-armor: objects and scalars, times
// `first`) cannot see. `compatibility` runs a dozen statements and a verdict per call, so 29 aliased
// calls passed the cost and alias limits and held the service for 1.5 s. Each weighted field counts
// once per occurrence in the document (aliases included; a fragment once per definition, since
// spreading it again in one selection set merges rather than repeats), and a document over budget
// is refused at validation, before any resolver runs.
import { GraphQLError, type ValidationContext, type ASTVisitor } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Schema coordinate -> weight. */
export const FIELD_WEIGHTS: Readonly<Record<string, number>> = Object.freeze({ 'Query.compatibility': 10 });
/** Budget per operation document: ten compatibility questions. */
export const MAX_FIELD_WEIGHT = 100;

export const QUERY_TOO_EXPENSIVE = 'QUERY_TOO_EXPENSIVE';

export function fieldCostRule(weights: Readonly<Record<string, number>> = FIELD_WEIGHTS, max = MAX_FIELD_WEIGHT) {
  // Uses the validation context's own type information (no second TypeInfo: graphql must not be
  // instantiated twice when the schema comes from another copy of the module).
  return (context: ValidationContext): ASTVisitor => {
    let total = 0;
    const seen: Record<string, number> = {};
    return {
      Field(node) {
        const parent = context.getParentType();
        if (!parent) return;
        const coordinate = `${parent.name}.${node.name.value}`;
        const w = weights[coordinate];
        if (!w) return;
        total += w;
        seen[coordinate] = (seen[coordinate] ?? 0) + 1;
      },
      Document: {
        leave() {
          if (total <= max) return;
          const what = Object.entries(seen)
            .map(([c, n]) => `${n} × ${c} (weight ${weights[c]})`)
            .join(', ');
          context.reportError(
            new GraphQLError(
              `query too expensive: ${what} weighs ${total}, the limit is ${max} per request; split it into several requests`,
              {
                extensions: { code: QUERY_TOO_EXPENSIVE, cost: total, maxCost: max },
              },
            ),
          );
        },
      },
    };
  };
}

export function useFieldCost(weights?: Readonly<Record<string, number>>, max?: number): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(fieldCostRule(weights, max));
    },
  };
}
