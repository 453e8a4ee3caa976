import type { GraphQLSchema } from 'graphql';
import { buildChatSchema } from '../../src/schema/build-schema';
import { checkedDocuments } from '../../src/schema/checked-documents';
import { LIMIT_RULES } from '../../src/schema/operation-limits';

describe('checked documents (graphql-ws parses and validates an operation once per source text)', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildChatSchema();
  });
  const query = (n: number) => `query Q${n} { channels { id } }`;

  it('gives back the same document for the same source, and refusals anew each time', () => {
    const check = checkedDocuments(schema, LIMIT_RULES);
    const first = check(query(1));
    expect('kind' in first).toBe(true);
    expect(check(query(1))).toBe(first);
    const invalid = '{ nosuchfield }';
    const refused = check(invalid);
    expect(Array.isArray(refused)).toBe(true);
    expect((refused as readonly { message: string }[])[0].message).toMatch(/nosuchfield/);
    expect(check(invalid)).not.toBe(refused);
  });

  it('keeps at most its limits: the least recently used document goes, and an oversized source is not kept', () => {
    const check = checkedDocuments(schema, LIMIT_RULES, { max: 2, maxSourceChars: 100 });
    const one = check(query(1));
    const two = check(query(2));
    expect(check(query(1))).toBe(one);
    check(query(3));
    // Q2 was the least recently used of three kept in two places.
    expect(check(query(2))).not.toBe(two);
    const long = `query Long { ${'channels { id } '.repeat(8)}}`;
    expect(long.length).toBeGreaterThan(100);
    const parsed = check(long);
    expect('kind' in parsed).toBe(true);
    expect(check(long)).not.toBe(parsed);
  });
});
