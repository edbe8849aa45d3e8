#!/usr/bin/env node
// Transpile (no type check) the sources `halo ipvs` needs into test/vm/cache/dist, so the VM
// tests and benchmarks run the real CLI as a process even when dist/ is stale or absent.
// Usage: node test/vm/build-halo-cli.js  -> prints the path of the built main.js
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const repo = path.resolve(__dirname, '../..');
const out = path.join(__dirname, 'cache', 'dist');
const files = ['cli/main.ts', 'cli/ipvs.ts', 'net/native.ts', ...fs.readdirSync(path.join(repo, 'src/ipvs')).filter((f) => f.endsWith('.ts')).map((f) => `ipvs/${f}`)];
for (const rel of files) {
  const src = fs.readFileSync(path.join(repo, 'src', rel), 'utf8');
  const js = ts.transpileModule(src, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true },
    fileName: rel,
  }).outputText;
  const dest = path.join(out, rel.replace(/\.ts$/, '.js'));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, js);
}
process.stdout.write(path.join(out, 'cli', 'main.js') + '\n');
