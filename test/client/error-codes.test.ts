import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors';

describe("the client library's error codes", () => {
  it("name every code of the server's catalogue (ChatErrorCode lists them for editors and switch statements)", () => {
    const source = readFileSync(join(__dirname, '..', '..', 'client', 'errors.ts'), 'utf8');
    const union = /export type ChatErrorCode =([^;]+);/.exec(source)![1];
    const named = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]);
    expect(Object.values(ErrorCode).filter((code) => !named.includes(code))).toEqual([]);
  });
});
