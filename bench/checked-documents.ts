/**
 * `npm run bench:documents`: what graphql-ws's `onSubscribe` spends on an operation before running it, for the
 * client library's SendMessage mutation: parsing and validating it (what every send over a socket paid), beside the
 * cache of checked documents (src/schema/checked-documents.ts) that now answers a source it has seen. Microseconds
 * per operation, median of 5 rounds of 20,000, after 2,000 to warm up.
 */
import { buildChatSchema } from '../src/schema/build-schema';
import { checkedDocuments } from '../src/schema/checked-documents';
import { checkOperation, LIMIT_RULES } from '../src/schema/operation-limits';
import { SendMessage } from '../client/operations';

const perOperation = (work: () => unknown, rounds = 5, n = 20_000): number => {
  for (let i = 0; i < 2_000; i++) work();
  const results: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) work();
    results.push(Number(process.hrtime.bigint() - start) / n / 1000);
  }
  return results.sort((a, b) => a - b)[Math.floor(rounds / 2)];
};

async function main(): Promise<void> {
  const schema = await buildChatSchema();
  const source = SendMessage.toString();
  const check = checkedDocuments(schema, LIMIT_RULES);
  const uncached = perOperation(() => checkOperation(schema, source, LIMIT_RULES));
  const cached = perOperation(() => check(source));
  console.log(
    `SendMessage over graphql-ws, before execution: parse + validate ${uncached.toFixed(1)} µs; ` +
      `from the cache of checked documents ${cached.toFixed(2)} µs`,
  );
}

void main();
