// Lets a child `node` process load this repo's TypeScript directly (node -r ./test/support/ts-register.js x.ts),
// so tests can run the terminal client and the server as real processes without a build step (as ts-jest does,
// file by file). Types are checked by `tsc`.
const { readFileSync } = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
    },
  });
  module._compile(outputText, filename);
};
