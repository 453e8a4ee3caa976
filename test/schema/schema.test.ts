import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges } from 'graphql';
import { printChatSchema } from '../../src/schema/emit-schema';

const root = join(__dirname, '..', '..');
const read = (...path: string[]) => readFileSync(join(root, ...path), 'utf8');

/**
 * Parts of the contract not built yet, as graphql's findBreakingChanges describes their absence. Each issue that
 * builds a part removes its lines; the list ends empty.
 */
const NOT_BUILT_YET: string[] = [];

describe('the schema', () => {
  it('is committed as emitted: src/schema/schema.graphql is not stale (npm run schema:emit)', async () => {
    expect(read('src', 'schema', 'schema.graphql')).toBe(await printChatSchema());
  });

  it('breaks nothing in the contract (contract/api.graphql) beyond the parts not built yet', () => {
    const contract = buildSchema(read('contract', 'api.graphql'));
    const emitted = buildSchema(read('src', 'schema', 'schema.graphql'));
    const breaking = findBreakingChanges(contract, emitted).map((c) => c.description);
    expect(breaking.filter((d) => !NOT_BUILT_YET.includes(d))).toEqual([]);
    // A built part must leave the list, so the list cannot hide a regression.
    expect(NOT_BUILT_YET.filter((d) => !breaking.includes(d))).toEqual([]);
  });

  it('keeps contract/ identical to the specification in ../shared/contract when it is beside the project', () => {
    const shared = join(root, '..', 'shared', 'contract');
    if (!existsSync(shared)) {
      process.stdout.write('NOTICE: ../shared/contract not found; the vendored contract/ copy was not compared.\n');
      return;
    }
    for (const file of ['api.graphql', 'README.md']) {
      expect(read('contract', file)).toBe(readFileSync(join(shared, file), 'utf8'));
    }
  });
});
