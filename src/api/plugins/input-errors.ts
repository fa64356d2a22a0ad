// Errors the client caused that reach the masking step without a code: graphql-js's variable
// coercion errors ("Variable $x got invalid value ...") and values PostgreSQL refuses (a NUL byte,
// an out-of-range number). They are the caller's mistakes, so they get BAD_USER_INPUT and their
// message, never INTERNAL_SERVER_ERROR.
import { GraphQLError, type DocumentNode } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { ErrorCode } from '../../errors.ts';
import { classifyDbError } from '../../db/classify.ts';

/**
 * By name, not instanceof: graphql-jit brings its own copy of graphql, whose variable-coercion
 * errors are GraphQLErrors of another class.
 */
function isGraphQLErrorLike(e: unknown): e is GraphQLError {
  return e instanceof GraphQLError || (e instanceof Error && e.name === 'GraphQLError');
}

function isPlainGraphQLError(e: unknown): boolean {
  if (!isGraphQLErrorLike(e)) return false;
  return e.originalError == null || isPlainGraphQLError(e.originalError);
}

export function classifyClientError(error: unknown): GraphQLError | undefined {
  if (!isGraphQLErrorLike(error)) return undefined;
  if (error.extensions?.code) return undefined;
  if (error.path === undefined && isPlainGraphQLError(error)) {
    // The same error, given its code: yoga logs every error its mask replaces, and a caller's
    // mistake (a limit exceeded, a variable of the wrong type) is not the operator's problem.
    if (error instanceof GraphQLError && Object.isExtensible(error.extensions)) {
      (error.extensions as Record<string, unknown>).code = ErrorCode.BAD_USER_INPUT;
      return error;
    }
    return createGraphQLError(error.message, {
      nodes: error.nodes,
      extensions: { ...error.extensions, code: ErrorCode.BAD_USER_INPUT },
    });
  }
  const data = classifyDbError(error.originalError);
  if (data?.kind === 'BAD_INPUT') {
    return createGraphQLError(
      data.sqlState === '22021'
        ? 'a value in the request contains a character the database cannot store (a NUL byte or invalid UTF-8)'
        : 'a value in the request is out of range or malformed',
      { nodes: error.nodes, path: error.path, extensions: { code: ErrorCode.BAD_USER_INPUT } },
    );
  }
  return undefined;
}

/** Where a NUL byte sits in a value (variables, or string literals of the document), if anywhere. */
function findNul(v: unknown, path: string, depth = 0): string | undefined {
  if (depth > 64) return undefined;
  if (typeof v === 'string') return v.includes('\u0000') ? path : undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const hit = findNul(v[i], `${path}[${i}]`, depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k.includes('\u0000')) return `${path}.${k.replaceAll('\u0000', '\\0')}`;
      const hit = findNul(x, `${path}.${k}`, depth + 1);
      if (hit) return hit;
    }
  }
  return undefined;
}

/**
 * Whether a string literal written in the document holds a NUL byte. Per document object: yoga
 * parses each distinct query text once and hands the same document to every request asking it,
 * so the walk runs once per query text, not once per request.
 */
const NUL_IN_DOCUMENT = new WeakMap<DocumentNode, boolean>();
function documentHasNul(doc: DocumentNode): boolean {
  let hit = NUL_IN_DOCUMENT.get(doc);
  if (hit === undefined) {
    hit = documentStrings(doc).some((x) => x.includes('\u0000'));
    NUL_IN_DOCUMENT.set(doc, hit);
  }
  return hit;
}

/** String literals written in the document (the AST minus its token list). */
function documentStrings(doc: DocumentNode): string[] {
  const out: string[] = [];
  const walk = (n: unknown, depth: number) => {
    if (!n || typeof n !== 'object' || depth > 200) return;
    if (Array.isArray(n)) {
      for (const x of n) walk(x, depth + 1);
      return;
    }
    const node = n as { kind?: string; value?: unknown };
    if (node.kind === 'StringValue' && typeof node.value === 'string') out.push(node.value);
    for (const [k, x] of Object.entries(n)) if (k !== 'loc') walk(x, depth + 1);
  };
  walk(doc, 0);
  return out;
}

/** Whether the operation to run is a mutation (they validate their input themselves, per field). */
function isMutation(args: { document: DocumentNode; operationName?: string | null }): boolean {
  const ops = args.document.definitions.filter((d) => d.kind === 'OperationDefinition');
  const op = args.operationName ? ops.find((o) => o.name?.value === args.operationName) : ops[0];
  return op?.operation === 'mutation';
}

/**
 * No catalogue value can hold a NUL byte (PostgreSQL text cannot), so a read carrying one is
 * refused with BAD_USER_INPUT before any resolver runs, instead of failing inside a statement.
 * Mutations are left to their own validation, which names the field in a typed input error.
 */
export function useInputGuards(): Plugin {
  const check = (args: { document: DocumentNode; variableValues?: unknown; operationName?: string | null }): GraphQLError | undefined => {
    if (isMutation(args)) return undefined;
    const where = findNul(args.variableValues ?? {}, '$') ?? (documentHasNul(args.document) ? 'a string in the document' : undefined);
    return where
      ? createGraphQLError(`a value in the request contains a NUL byte (${where}), which no catalogue value can hold`, {
          extensions: { code: ErrorCode.BAD_USER_INPUT },
        })
      : undefined;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const err = check(args);
      if (err) {
        setResultAndStopExecution({ errors: [err] });
        return;
      }
      return {
        // graphql-jit reports a variable of the wrong type with its own GraphQLError class, which
        // yoga takes for a crash (HTTP 500, logged). Re-issued as ours, coded: the caller's mistake.
        onExecuteDone({ result, setResult }) {
          if (!('errors' in result) || !result.errors?.length) return;
          if (!result.errors.some((e) => !(e instanceof GraphQLError) && e.path === undefined && isGraphQLErrorLike(e))) return;
          setResult({
            ...result,
            errors: result.errors.map((e) =>
              !(e instanceof GraphQLError) && e.path === undefined && isGraphQLErrorLike(e) && !e.extensions?.code
                ? createGraphQLError(e.message, { extensions: { code: ErrorCode.BAD_USER_INPUT } })
                : e,
            ),
          });
        },
      };
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const err = check(args);
      if (err) setResultAndStopExecution({ errors: [err] });
    },
  };
}
