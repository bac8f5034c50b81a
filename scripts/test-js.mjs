#!/usr/bin/env node
// test-js.mjs - runs `node --test` on explicit files, on every Node the
// package supports. `node --test tests/js/` (a folder) works on Node 20
// only; Node 22 and later read a folder argument as a module path.
//
//   node scripts/test-js.mjs                 # tests/js/*.test.js
//   node scripts/test-js.mjs tests/browser   # tests/browser/*.test.js
//   node scripts/test-js.mjs tests/js/worker.test.js tests/js/loader.test.js
//
// Runs with the Node binary that runs this script (process.execPath), so the
// matrix (scripts/node-matrix.mjs) tests each version with its own runner.
import { readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const targets = args.filter((a) => !a.startsWith('--'));
if (targets.length === 0) targets.push('tests/js');

const files = [];
for (const t of targets) {
  const p = join(root, t);
  let st;
  try {
    st = statSync(p);
  } catch {
    console.error(`test-js: no such file or folder: ${t}`);
    process.exit(2);
  }
  if (st.isDirectory()) {
    const found = readdirSync(p).filter((f) => f.endsWith('.test.js')).sort();
    if (found.length === 0) {
      console.error(`test-js: no *.test.js files in ${t}`);
      process.exit(2);
    }
    files.push(...found.map((f) => join(t, f)));
  } else {
    files.push(t);
  }
}
const r = spawnSync(process.execPath, ['--test', ...flags, ...files], { cwd: root, stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
