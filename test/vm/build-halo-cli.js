#!/usr/bin/env node
// Transpile (no type check) the whole of src/ into test/vm/cache/dist, so the VM tests and
// benchmarks run the real `halo ipvs` CLI as a process even when dist/ is stale or absent. All of
// it, not a list of what `halo ipvs` needs: a list went stale when genl-socket.ts gained an
// import (net/rtnl-channel), and every listing test failed with "Cannot find module".
// Usage: node test/vm/build-halo-cli.js  -> prints the path of the built main.js
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const repo = path.resolve(__dirname, '../..');
const out = path.join(__dirname, 'cache', 'dist');
const walk = (dir) => fs.readdirSync(path.join(repo, 'src', dir), { withFileTypes: true }).flatMap((e) => {
  const rel = dir ? `${dir}/${e.name}` : e.name;
  if (e.isDirectory()) return walk(rel);
  return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [rel] : [];
});
const files = walk('');
for (const rel of files) {
  const src = fs.readFileSync(path.join(repo, 'src', rel), 'utf8');
  const js = ts.transpileModule(src, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true },
    fileName: rel,
  }).outputText;
  const dest = path.join(out, rel.replace(/\.ts$/, '.js'));
  // unchanged files are left alone: the lab tier runs this while the VM tier's VM, side by side,
  // reads the same files through 9p (test/run-all.sh), and a rewrite is a moment of an empty file
  if (fs.existsSync(dest) && fs.readFileSync(dest, 'utf8') === js) continue;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, js);
  fs.renameSync(tmp, dest);
}
process.stdout.write(path.join(out, 'cli', 'main.js') + '\n');
