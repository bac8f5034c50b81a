#!/usr/bin/env node
// node-matrix.mjs - runs the JS test suites under every Node line the
// package supports (package.json "engines"): 20 (the oldest supported), 22
// and 24 (the LTS lines).
//
//   npm run test:node-matrix                    # tests/js under 20, 22, 24
//   node scripts/node-matrix.mjs 22 24          # only these lines
//   node scripts/node-matrix.mjs -- tests/js/worker.test.js   # only these tests
//
// A Node line other than the one running this script comes from the npm
// package node-<platform>-<arch>@<major> (it carries the binary), installed
// once into build/node-matrix/<major>/ and reused.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const majors = (dash < 0 ? argv : argv.slice(0, dash)).map(Number);
const testArgs = dash < 0 ? ['tests/js'] : argv.slice(dash + 1);
if (majors.length === 0) majors.push(20, 22, 24);
const platformPkg = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;

/** The path of a Node binary of this major version (installs it if missing). */
function nodeBinary(major) {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const dir = join(root, 'build', 'node-matrix', String(major));
  const bin = join(dir, 'node_modules', platformPkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  console.log(`node-matrix: installing ${platformPkg}@${major} into ${dir}`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', `${platformPkg}@${major}`],
    { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(bin)) {
    console.error(`node-matrix: cannot install ${platformPkg}@${major}`);
    return null;
  }
  return bin;
}

const results = [];
for (const major of majors) {
  const bin = nodeBinary(major);
  if (!bin) { results.push({ major, version: '-', ok: false, seconds: 0 }); continue; }
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\nnode-matrix: ${version}: node scripts/test-js.mjs ${testArgs.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(bin, [join(root, 'scripts', 'test-js.mjs'), ...testArgs], { cwd: root, stdio: 'inherit' });
  results.push({ major, version, ok: r.status === 0, seconds: (Date.now() - t0) / 1000 });
}
console.log('\nnode-matrix results:');
for (const r of results) {
  console.log(`  Node ${r.major} (${r.version}): ${r.ok ? 'pass' : 'FAIL'} in ${r.seconds.toFixed(1)} s`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
