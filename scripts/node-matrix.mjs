#!/usr/bin/env node
// node-matrix.mjs - runs the JS test suites under every Node line the
// package supports (package.json "engines"): 20 (the oldest supported), 22
// and 24 (the LTS lines); then the README's quick start and worker example
// (tests/runtimes/quickstart.mjs) under Deno and Bun.
//
//   npm run test:node-matrix                    # Node 20, 22, 24, Deno, Bun
//   node scripts/node-matrix.mjs 22 24 deno     # only these
//   node scripts/node-matrix.mjs 24 -- tests/js/worker.test.js   # only these tests
//
// A Node line other than the one running this script comes from the npm
// package node-<platform>-<arch>@<major> (it carries the binary), installed
// once into build/node-matrix/<major>/ and reused; Deno and Bun come from the
// npm packages deno and bun, installed once into build/runtimes/.
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const picked = dash < 0 ? argv : argv.slice(0, dash);
const testArgs = dash < 0 ? ['tests/js'] : argv.slice(dash + 1);
const majors = (picked.length ? picked : ['20', '22', '24']).filter((a) => /^\d+$/.test(a)).map(Number);
const runtimes = (picked.length ? picked : ['deno', 'bun']).filter((a) => a === 'deno' || a === 'bun');
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
/** The deno or bun binary from its npm package in build/runtimes (installed if missing). */
function runtimeBinary(name) {
  const dir = join(root, 'build', 'runtimes');
  const bin = join(dir, 'node_modules', '.bin', name);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
  console.log(`node-matrix: installing ${name} into ${dir}`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', name], { cwd: dir, stdio: 'inherit' });
  return r.status === 0 && existsSync(bin) ? bin : null;
}

// A consumer folder whose node_modules/fastgrnn-wasm is this package.
function consumerApp() {
  const app = join(root, 'build', 'runtimes', 'app');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  writeFileSync(join(app, 'package.json'),
    '{ "name": "quickstart", "private": true, "type": "module", "dependencies": { "fastgrnn-wasm": "*" } }\n');
  const link = join(app, 'node_modules', 'fastgrnn-wasm');
  rmSync(link, { force: true, recursive: true });
  symlinkSync(root, link, 'dir');
  copyFileSync(join(root, 'tests', 'runtimes', 'quickstart.mjs'), join(app, 'quickstart.mjs'));
  return app;
}

for (const name of runtimes) {
  const bin = runtimeBinary(name);
  if (!bin) { results.push({ name, version: '-', ok: false, seconds: 0 }); continue; }
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim();
  const app = consumerApp();
  const args = name === 'deno' ? ['run', '--allow-read', '--allow-write', '--allow-env', 'quickstart.mjs'] : ['quickstart.mjs'];
  console.log(`\nnode-matrix: ${name} ${version}: ${name} ${args.join(' ')} (tests/runtimes/quickstart.mjs)`);
  const t0 = Date.now();
  const r = spawnSync(bin, args, { cwd: app, stdio: 'inherit', timeout: 300000 });
  results.push({ name, version, ok: r.status === 0, seconds: (Date.now() - t0) / 1000 });
}

console.log('\nnode-matrix results:');
for (const r of results) {
  const what = r.name ? `${r.name} (${r.version}) quick start + worker + data-parallel` : `Node ${r.major} (${r.version}) ${testArgs.join(' ')}`;
  console.log(`  ${what}: ${r.ok ? 'pass' : 'FAIL'} in ${r.seconds.toFixed(1)} s`);
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
