import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';

const root = join(__dirname, '..', '..');
const committed = join(root, 'client', 'generated');

describe('codegen.yml', () => {
  let out: string;
  beforeAll(() => (out = mkdtempSync(join(tmpdir(), 'codegen-'))));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('generates exactly the committed client/generated files (run `npm run codegen` after changing operations)', async () => {
    // The same configuration, written to a scratch folder: codegen's CLI is an ES module jest cannot load.
    const config = parse(readFileSync(join(root, 'codegen.yml'), 'utf8'));
    const target = `${join(out, 'generated')}/`;
    config.generates = { [target]: config.generates['client/generated/'] };
    const configFile = join(out, 'codegen.yml');
    writeFileSync(configFile, stringify(config));
    await promisify(execFile)(join(root, 'node_modules', '.bin', 'graphql-codegen'), ['--config', configFile], {
      cwd: root,
    });

    const files = readdirSync(committed).sort();
    expect(readdirSync(target).sort()).toEqual(files);
    for (const file of files) {
      expect({ file, content: readFileSync(join(committed, file), 'utf8') }).toEqual({
        file,
        content: readFileSync(join(target, file), 'utf8'),
      });
    }
  });
});
