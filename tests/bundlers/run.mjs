#!/usr/bin/env node
// run.mjs - the fixture apps of tests/bundlers/, built from the packed
// package as a user would build them, served on 127.0.0.1 and loaded in
// Chromium.
//
//   node tests/bundlers/run.mjs                 every fixture, a table of results
//   node tests/bundlers/run.mjs vite webpack    some of them
//
// For each fixture: `npm pack` of the repository (once), a work copy of the
// fixture under build/bundlers-cache/<dir>/ with its dev dependencies
// installed by `npm ci` from the fixture's package-lock.json and the tarball
// installed with `npm install --no-save <tarball>`; then `npm run build`, a
// static server (or the Vite dev server) and a Chromium page that waits for
// <pre id="result" data-done="true"> (written by shared/app.js).
//
// The installs are cached: the dev dependencies are installed again only
// when the fixture's package.json or package-lock.json (or the platform)
// changed, the tarball only when its bytes changed.
// FASTGRNN_BUNDLERS_CACHE=<dir> moves the cache; deleting it makes a cold run.
// FASTGRNN_BUNDLERS_PACKAGE=<dir> packs another checkout of the package
// (built) instead of this one.

import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const CACHE = path.resolve(process.env.FASTGRNN_BUNDLERS_CACHE ||
  path.join(ROOT, 'build', 'bundlers-cache'));
const PACKAGE = path.resolve(process.env.FASTGRNN_BUNDLERS_PACKAGE || ROOT);

/**
 * The fixtures. `dir`: folder under tests/bundlers/; `build`: run
 * `npm run build`; `root`: the folder served; `dev`: the Vite dev server
 * instead of a build.
 */
export const FIXTURES = [
  { name: 'vite', dir: 'vite', build: true, root: 'dist' },
  { name: 'vite-dev', dir: 'vite', build: false, dev: true },
  { name: 'webpack', dir: 'webpack', build: true, root: 'dist' },
  { name: 'esbuild', dir: 'esbuild', build: true, root: 'dist', embedded: true },
  { name: 'rollup', dir: 'rollup', build: true, root: 'dist' },
  { name: 'importmap', dir: 'importmap', build: false, root: '.' },
];

const NPM_ENV = {
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'warn',
  NO_COLOR: '1',
};

/** Runs a command; resolves to stdout, rejects with its output on failure. */
export function exec(cmd, args, cwd, { timeout = 600000, env = NPM_ENV } = {}) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, env, timeout, maxBuffer: 64 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          err.message = `${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n${stdout}\n${stderr}`;
          reject(err);
        } else {
          resolve(stdout);
        }
      });
  });
}

const sha256 = (...parts) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

const since = (t0) => Math.round(performance.now() - t0);

/**
 * `npm pack` of the repository into a fresh <cache>/pack-XXXXXX/ folder (one
 * per caller: test files may run at once); dispose() removes it. The wasm
 * modules are build artefacts: `npm run build` must have run.
 * @returns {{ tarball, hash, size, unpackedSize, entryCount, files, ms, dispose() }}
 */
export async function pack() {
  for (const f of ['dist/fastgrnn.wasm', 'dist/fastgrnn-simd.wasm']) {
    if (!existsSync(path.join(PACKAGE, f))) throw new Error(`${f} is missing: run npm run build first`);
  }
  const t0 = performance.now();
  mkdirSync(CACHE, { recursive: true });
  const dir = mkdtempSync(path.join(CACHE, 'pack-'));
  const out = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], PACKAGE);
  const info = JSON.parse(out.slice(out.indexOf('[')))[0];
  const tarball = path.join(dir, info.filename);
  return {
    tarball,
    hash: sha256(readFileSync(tarball)),
    size: info.size,
    unpackedSize: info.unpackedSize,
    entryCount: info.entryCount,
    files: info.files.map((f) => f.path),
    ms: since(t0),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Copies a fixture's own files (not node_modules, dist) to `to`. */
function copyFixture(from, to) {
  for (const entry of readdirSync(from)) {
    if (entry === 'node_modules' || entry === 'dist' || entry === 'package-lock.json') continue;
    cpSync(path.join(from, entry), path.join(to, entry), { recursive: true });
  }
}

/**
 * The fixture's work folder <cache>/<dir>/ with its dependencies and the
 * tarball installed (cached, see the top of this file) and its sources
 * copied afresh (plus shared/app.js as src/app.js).
 * @returns {{ work, depsMs: number|null, tarballMs: number|null }}
 */
export async function prepare(dir, packed) {
  const src = path.join(HERE, dir);
  const work = path.join(CACHE, dir);
  const pkg = readFileSync(path.join(src, 'package.json'));
  const lock = readFileSync(path.join(src, 'package-lock.json'));
  // (not the Node version: the same tree serves Node 20, 22 and 24)
  const depsKey = sha256(pkg, lock, process.platform, process.arch);
  const stampFile = path.join(work, '.fixture-install.json');
  let stamp = {};
  try { stamp = JSON.parse(readFileSync(stampFile, 'utf8')); } catch { /* cold */ }

  let depsMs = null;
  let tarballMs = null;
  if (stamp.deps !== depsKey || !existsSync(path.join(work, 'node_modules'))) {
    const t0 = performance.now();
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    writeFileSync(path.join(work, 'package.json'), pkg);
    writeFileSync(path.join(work, 'package-lock.json'), lock);
    await exec('npm', ['ci', '--prefer-offline'], work);
    stamp = { deps: depsKey };
    writeFileSync(stampFile, JSON.stringify(stamp));
    depsMs = since(t0);
  }
  const installed = path.join(work, 'node_modules', 'fastgrnn-wasm', 'package.json');
  if (stamp.tarball !== packed.hash || !existsSync(installed)) {
    const t0 = performance.now();
    await exec('npm', ['install', '--no-save', '--prefer-offline', packed.tarball], work);
    stamp.tarball = packed.hash;
    writeFileSync(stampFile, JSON.stringify(stamp));
    tarballMs = since(t0);
  }
  copyFixture(src, work);
  mkdirSync(path.join(work, 'src'), { recursive: true });
  cpSync(path.join(HERE, 'shared', 'app.js'), path.join(work, 'src', 'app.js'));
  rmSync(path.join(work, 'dist'), { recursive: true, force: true });
  // Vite's pre-bundled dependencies would outlive a new tarball (the lock
  // file it hashes does not change with --no-save).
  rmSync(path.join(work, 'node_modules', '.vite'), { recursive: true, force: true });
  return { work, depsMs, tarballMs };
}

/** `npm run build` in the work folder; resolves to its duration in ms. */
export async function build(work) {
  const t0 = performance.now();
  await exec('npm', ['run', 'build'], work);
  return since(t0);
}

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * A static file server on 127.0.0.1 (free port) for `root`: the MIME types
 * above (others: application/octet-stream), index.html for folders, 404 for
 * anything missing or outside `root`. Resolves to { url, close() }.
 */
export function serveStatic(root) {
  const base = path.resolve(root);
  const server = createServer((req, res) => {
    let file;
    try {
      const { pathname } = new URL(req.url, 'http://127.0.0.1');
      file = path.resolve(base, '.' + decodeURIComponent(pathname));
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(404).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = path.join(file, 'index.html');
      const body = readFileSync(file);
      res.writeHead(200, {
        'content-type': MIME[path.extname(file)] || 'application/octet-stream',
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
      });
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The fixture's own Vite dev server on 127.0.0.1; resolves to { url, close() }. */
export async function serveViteDev(work) {
  const port = await freePort();
  const bin = path.join(work, 'node_modules', 'vite', 'bin', 'vite.js');
  const child = spawn(process.execPath, [bin, '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: work, env: NPM_ENV, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const close = () => new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) { res(); return; }
    child.once('exit', () => res());
    child.kill('SIGTERM');
    setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 3000).unref();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      close();
      reject(new Error(`the Vite dev server did not start within 60 s\n${out}`));
    }, 60000);
    const onData = (d) => {
      out += d;
      if (out.includes(`http://127.0.0.1:${port}/`)) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}/`, close, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Vite dev server exited with ${code}\n${out}`));
    });
  });
}

/**
 * Opens `url` in a fresh Chromium profile, waits for the app's result and
 * collects console errors, page errors, failed requests and HTTP errors.
 * @returns {{ result: object|null, errors: string[], requests: string[], ms }}
 */
export async function loadInChromium(url, { timeout = 60000 } = {}) {
  const { launch, watchErrors } = await import('../browser/helpers.js');
  const t0 = performance.now();
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    const errors = watchErrors(page);
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url);
    let result = null;
    try {
      await page.waitForSelector('#result[data-done="true"]', { timeout, state: 'attached' });
      result = JSON.parse(await page.textContent('#result'));
    } catch (e) {
      errors.push(`no result: ${e.message.split('\n')[0]}; #result says ` +
        JSON.stringify(await page.textContent('#result').catch(() => null)));
    }
    return { result, errors, requests, ms: since(t0) };
  } finally {
    await browser.close();
  }
}

/** The problems with one side's ('main' or 'worker') metrics; [] when it trained. */
export function checkSide(result, side) {
  const r = result && result[side];
  if (!r) return [`${side}: no result`];
  if (r.error) return [`${side}: ${r.error}`];
  const problems = [];
  if (r.epochs !== 8) problems.push(`${side}: ${r.epochs} epochs, expected 8`);
  // Chromium validates SIMD128: the SIMD build must be the one in use
  if (r.simd !== true) problems.push(`${side}: simd is ${r.simd}, expected the SIMD128 module`);
  if (!r.trainLoss.every(Number.isFinite)) problems.push(`${side}: non-finite loss ${r.trainLoss}`);
  if (!(r.trainLoss.at(-1) < r.trainLoss[0])) {
    problems.push(`${side}: training loss did not decrease (${r.trainLoss[0]} -> ${r.trainLoss.at(-1)})`);
  }
  if (!(r.valAccuracy > result.majorityRate + 0.05)) {
    problems.push(`${side}: validation accuracy ${r.valAccuracy} is not above chance (${result.majorityRate})`);
  }
  if (side === 'main' && !(r.params > 0)) problems.push(`main: ${r.params} parameters`);
  if (side === 'worker' && !(r.modelBytes > 0)) problems.push(`worker: ${r.modelBytes} model bytes`);
  if (side === 'parallel' && r.sameBytesAsMain !== true) problems.push('parallel: the data-parallel model differs from the main thread\'s');
  if (side === 'parallel' && !['shared', 'message'].includes(r.transport)) problems.push(`parallel: transport ${r.transport}`);
  return problems;
}

/** Every problem of a loaded page: both sides, console errors, HTTP errors, a wasm fetched. */
export function checkPage(page, fixture = {}) {
  const problems = [...checkSide(page.result, 'main'), ...checkSide(page.result, 'worker'),
    ...checkSide(page.result, 'parallel'), ...page.errors];
  const wasmRequests = page.requests.filter((u) => /\.wasm(\?|$)/.test(u));
  if (fixture.embedded && wasmRequests.length) {
    problems.push(`the embedded entry fetched ${wasmRequests.join(', ')}`);
  } else if (!fixture.embedded && !wasmRequests.length) {
    problems.push('no .wasm file was requested');
  }
  return problems;
}

/** Raw and gzip (level 9) sizes of the .js and .wasm files under `dir`. */
export function shippedSizes(dir) {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(m?js|wasm)$/.test(e.name)) {
        const body = readFileSync(p);
        files.push({ file: path.relative(dir, p), bytes: body.length, gzip: gzipSync(body, { level: 9 }).length });
      }
    }
  };
  walk(dir);
  files.sort((a, b) => a.file.localeCompare(b.file));
  const sum = (fs, k) => fs.reduce((s, f) => s + f[k], 0);
  return { files, bytes: sum(files, 'bytes'), gzip: sum(files, 'gzip') };
}

/**
 * Output files that are byte-for-byte copies of the package's own js/ files:
 * a bundler took a `new URL('./x.js', import.meta.url)` for an asset and
 * copied the module unbundled (its imports would not resolve).
 */
export function rawPackageCopies(outDir, work) {
  const pkgJs = path.join(work, 'node_modules', 'fastgrnn-wasm', 'js');
  const sources = new Map(readdirSync(pkgJs).filter((f) => f.endsWith('.js'))
    .map((f) => [sha256(readFileSync(path.join(pkgJs, f))), f]));
  return shippedSizes(outDir).files
    .filter((f) => f.file.endsWith('.js') && sources.has(sha256(readFileSync(path.join(outDir, f.file)))))
    .map((f) => `${f.file} is an unbundled copy of the package's js/${sources.get(sha256(readFileSync(path.join(outDir, f.file))))}`);
}

/**
 * Relative imports in the output's .js files whose target is not in the
 * output (an unbundled module copied as an asset, minified or not).
 */
export function danglingImports(outDir) {
  const found = [];
  const re = /(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"'?#]+)["']/g;
  for (const f of shippedSizes(outDir).files.filter((x) => x.file.endsWith('.js'))) {
    const text = readFileSync(path.join(outDir, f.file), 'utf8');
    for (const m of text.matchAll(re)) {
      if (!existsSync(path.resolve(outDir, path.dirname(f.file), m[1]))) {
        found.push(`${f.file} imports ${m[1]}, which is not in the output`);
      }
    }
  }
  return found;
}

/**
 * Prepares, builds, serves and loads one fixture.
 * @returns {{ name, depsMs, tarballMs, buildMs, loadMs, result, errors, problems, sizes }}
 */
export async function runFixture(fixture, packed) {
  const t0 = performance.now();
  const { work, depsMs, tarballMs } = await prepare(fixture.dir, packed);
  const buildMs = fixture.build ? await build(work) : null;
  const server = fixture.dev ? await serveViteDev(work) : await serveStatic(path.join(work, fixture.root));
  let page;
  try {
    page = await loadInChromium(server.url);
  } finally {
    await server.close();
  }
  const sizes = fixture.build ? shippedSizes(path.join(work, fixture.root)) : null;
  const copies = fixture.build
    ? [...rawPackageCopies(path.join(work, fixture.root), work), ...danglingImports(path.join(work, fixture.root))]
    : [];
  return {
    name: fixture.name,
    work,
    depsMs,
    tarballMs,
    buildMs,
    loadMs: page.ms,
    totalMs: since(t0),
    result: page.result,
    errors: page.errors,
    problems: [...checkPage(page, fixture), ...copies],
    sizes,
  };
}

function side(r, s) {
  const x = r.result && r.result[s];
  if (!x) return 'no result';
  if (x.error) return x.error.slice(0, 100);
  return `ok loss ${x.trainLoss[0].toFixed(3)}->${x.trainLoss.at(-1).toFixed(3)} val_acc ${x.valAccuracy.toFixed(3)}`;
}

async function main(names) {
  const wanted = names.length ? FIXTURES.filter((f) => names.includes(f.name)) : FIXTURES;
  if (names.length && wanted.length !== names.length) {
    throw new Error(`unknown fixture in ${names.join(' ')}; known: ${FIXTURES.map((f) => f.name).join(' ')}`);
  }
  const t0 = performance.now();
  const packed = await pack();
  console.log(`packed ${path.basename(packed.tarball)}: ${packed.size} bytes (${packed.entryCount} files) in ${packed.ms} ms`);
  let failed = 0;
  try {
    for (const f of wanted) await report(f);
  } finally {
    packed.dispose();
  }
  console.log(`${wanted.length - failed} passed, ${failed} failed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return failed;

  async function report(f) {
    let r;
    try {
      r = await runFixture(f, packed);
    } catch (e) {
      failed++;
      console.log(`${f.name}: FAILED before loading: ${e.message.slice(-2000)}`);
      return;
    }
    if (r.problems.length) failed++;
    const ms = (v) => (v === null ? '-' : `${(v / 1000).toFixed(1)} s`);
    console.log(`${f.name}: ${r.problems.length ? 'FAIL' : 'pass'}  deps ${ms(r.depsMs)}  tarball ${ms(r.tarballMs)}  ` +
      `build ${ms(r.buildMs)}  page ${ms(r.loadMs)}  total ${ms(r.totalMs)}`);
    console.log(`  main:   ${side(r, 'main')}`);
    console.log(`  worker: ${side(r, 'worker')}`);
    if (r.sizes) {
      console.log(`  shipped .js + .wasm: ${r.sizes.bytes} bytes, ${r.sizes.gzip} gzip -9`);
      for (const s of r.sizes.files) console.log(`    ${s.file}: ${s.bytes} bytes, ${s.gzip} gzip`);
    }
    for (const p of r.problems) console.log(`  problem: ${p}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((failed) => { process.exitCode = failed ? 1 : 0; }, (e) => {
    console.error(e);
    process.exitCode = 1;
  });
}
