import type { DocumentNode, GraphQLError, GraphQLSchema, ValidationRule } from 'graphql';
import { LRUCache } from 'lru-cache';
import { checkOperation } from './operation-limits';

/** How much the cache of checked documents holds (in all, for every client of the instance). */
export const CHECKED_DOCUMENT_LIMITS = {
  /** Documents kept. */
  max: 1000,
  /** Their source text in all, in characters (each is also bounded by OPERATION_LIMITS.maxTokens). */
  maxSourceChars: 1_000_000,
};

/**
 * Parses and validates operations as `checkOperation` does, keeping each valid document by its source text, so an
 * operation a client sends again and again (every send over a socket) is parsed and validated once. Refusals are not
 * kept: an invalid document costs its parse every time, as before. Least recently used documents go first once the
 * limits are reached, so what clients send cannot grow it: a client that floods it with distinct documents only makes
 * the others be parsed again.
 */
export function checkedDocuments(
  schema: GraphQLSchema,
  rules: readonly ValidationRule[],
  limits = CHECKED_DOCUMENT_LIMITS,
): (source: string) => DocumentNode | readonly GraphQLError[] {
  const valid = new LRUCache<string, DocumentNode>({
    max: limits.max,
    maxSize: limits.maxSourceChars,
    sizeCalculation: (_document, source) => Math.max(1, source.length),
  });
  return (source) => {
    const kept = valid.get(source);
    if (kept) return kept;
    const checked = checkOperation(schema, source, rules);
    if ('kind' in checked && source.length <= limits.maxSourceChars) valid.set(source, checked);
    return checked;
  };
}
