// Lets a plain `node` child process (started inside a network namespace with `ip netns exec`)
// require the TypeScript sources directly, the way ts-jest does in transpile-only mode, so the
// netns tests drive src/net in its own process per namespace, as the daemon will run.
'use strict';
const fs = require('fs');
const ts = require('typescript');

require.extensions['.ts'] = function compile(module, filename) {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(out.outputText, filename);
};
