// Loading the WebAssembly module: every init({ wasm }) form, served and
// mis-served files, compiled modules, the embedded entry, and the static
// URL forms bundlers follow.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { relative } from 'node:path';
import { fg, expectError } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SIMD_PATH = fileURLToPath(new URL('../../dist/fastgrnn-simd.wasm', import.meta.url));
const SCALAR_PATH = fileURLToPath(new URL('../../dist/fastgrnn.wasm', import.meta.url));
const simdBytes = readFileSync(SIMD_PATH);
const scalarBytes = readFileSync(SCALAR_PATH);
const HTML = '<!doctype html><html><head><title>app</title></head><body></body></html>';

/** Trains one tiny model with the current module: the module works. */
async function works() {
  const { FastGRNN, TrainingDataset, Trainer } = fg;
  const x = new Float32Array(40).map((_, i) => (i % 7) / 7);
  const y = new Float32Array(20).map((_, i) => i % 2);
  const ds = new TrainingDataset(x, y, { inputDim: 2 });
  const model = new FastGRNN({ inputDim: 2, hiddenDim: 3 });
  const tr = new Trainer(model.config, { epochs: 1, validationSplit: 0 });
  const m = await tr.train(model, ds);
  assert.equal(m.length, 1);
  assert.ok(Number.isFinite(m[0].trainLoss));
  for (const o of [ds, model, tr]) o.dispose();
}

describe('init({ wasm })', () => {
  let server, base;
  const routes = {
    '/simd.wasm': ['application/wasm', simdBytes],
    '/scalar.wasm': ['application/wasm', scalarBytes],
    '/octet.wasm': ['application/octet-stream', scalarBytes],
    '/untyped.wasm': [null, scalarBytes],
    '/spa.wasm': ['text/html; charset=utf-8', Buffer.from(HTML)],
    '/lying.wasm': ['application/wasm', Buffer.from(HTML)],
    '/json.wasm': ['application/json', Buffer.from('{"error":"not found"}')],
    '/empty.wasm': ['application/wasm', Buffer.alloc(0)],
  };
  before(async () => {
    server = http.createServer((req, res) => {
      const r = routes[req.url];
      if (!r) { res.writeHead(404, { 'content-type': 'text/plain' }); res.end('no'); return; }
      const headers = r[0] ? { 'content-type': r[0] } : {};
      res.writeHead(200, headers);
      res.end(r[1]);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  it('a URL object (http, streamed as application/wasm)', async () => {
    const info = await fg.init({ wasm: new URL('/simd.wasm', base), simd: true });
    assert.equal(info.simd, true);
    await works();
  });
  it('a URL string (http; octet-stream and no content-type read as bytes)', async () => {
    for (const p of ['/scalar.wasm', '/octet.wasm', '/untyped.wasm']) {
      const info = await fg.init({ wasm: base + p, simd: false });
      assert.equal(info.simd, false, p);
      await works();
    }
  });
  it('a file: URL, an absolute path and a path relative to the working directory', async () => {
    await fg.init({ wasm: pathToFileURL(SCALAR_PATH) });
    await works();
    await fg.init({ wasm: SCALAR_PATH });
    await works();
    await fg.init({ wasm: relative(process.cwd(), SCALAR_PATH) });
    await works();
  });
  it('bytes: Uint8Array, ArrayBuffer, another view', async () => {
    await fg.init({ wasm: new Uint8Array(scalarBytes) });
    await works();
    const ab = scalarBytes.buffer.slice(scalarBytes.byteOffset, scalarBytes.byteOffset + scalarBytes.length);
    await fg.init({ wasm: ab });
    await works();
    await fg.init({ wasm: new DataView(ab) });
    await works();
  });
  it('a Response, and a promise of one (fetch(url))', async () => {
    await fg.init({ wasm: new Response(scalarBytes, { headers: { 'content-type': 'application/wasm' } }) });
    await works();
    await fg.init({ wasm: new Response(scalarBytes) });
    await works();
    const info = await fg.init({ wasm: fetch(base + '/simd.wasm'), simd: true });
    assert.equal(info.simd, true);
    await works();
  });
  it('a compiled WebAssembly.Module, used as is (two inits share it)', async () => {
    const module = await WebAssembly.compile(scalarBytes);
    await fg.init({ wasm: module });
    const a = new fg.FastGRNN({ inputDim: 2, hiddenDim: 3, seed: 1 });
    await works();
    await fg.init({ wasm: module });
    const b = new fg.FastGRNN({ inputDim: 2, hiddenDim: 3, seed: 1 });
    assert.deepEqual(a.getParameters(), b.getParameters());
    a.dispose();
    b.dispose();
  });
  it('HTML instead of wasm (a dev server or SPA fallback): SerializationError naming the URL and what came back', async () => {
    await assert.rejects(fg.init({ wasm: base + '/spa.wasm' }),
      expectError('SerializationError',
        /\/spa\.wasm is not a WebAssembly module: got HTML \(content-type text\/html, first bytes 3c 21 64 6f\); is the \.wasm file served/));
    await assert.rejects(fg.init({ wasm: base + '/lying.wasm' }),
      expectError('SerializationError', /\/lying\.wasm is not a WebAssembly module: got HTML \(content-type application\/wasm/));
    await assert.rejects(fg.init({ wasm: base + '/json.wasm' }),
      expectError('SerializationError', /\/json\.wasm is not a WebAssembly module: got JSON \(content-type application\/json/));
    await assert.rejects(fg.init({ wasm: base + '/empty.wasm' }),
      expectError('SerializationError', /empty\.wasm is not a WebAssembly module: got an empty body/));
    await assert.rejects(fg.init({ wasm: new Response(HTML, { headers: { 'content-type': 'text/html' } }) }),
      expectError('SerializationError', /got HTML \(content-type text\/html/));
    await assert.rejects(fg.init({ wasm: new TextEncoder().encode(HTML) }),
      expectError('SerializationError', /the given bytes is not a WebAssembly module: got HTML/));
  });
  it('HTTP errors, missing files, bad types and broken modules', async () => {
    await assert.rejects(fg.init({ wasm: base + '/missing.wasm' }),
      expectError('IoError', /cannot fetch http:\/\/127\.0\.0\.1:\d+\/missing\.wasm: HTTP 404/));
    await assert.rejects(fg.init({ wasm: new Response('gone', { status: 410 }) }), expectError('IoError', /HTTP 410/));
    await assert.rejects(fg.init({ wasm: '/nonexistent/x.wasm' }), expectError('IoError', /cannot read \/nonexistent\/x\.wasm/));
    await assert.rejects(fg.init({ wasm: { href: 'x' } }),
      expectError('InvalidInput', /wasm must be a URL, a string, bytes, a Response or a WebAssembly\.Module, got an object/));
    const truncated = new Uint8Array(scalarBytes.subarray(0, 1000));
    await assert.rejects(fg.init({ wasm: truncated }), expectError('SerializationError', /cannot compile the wasm module from the given bytes/));
    // a valid module that is not this package's: cannot be instantiated
    const other = await WebAssembly.compile(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    await assert.rejects(fg.init({ wasm: other }), expectError('SerializationError', /module from the given WebAssembly.Module is not a fastgrnn-wasm module \(it lacks the export 'memory'\)/));
    // nothing changed: the last good module still works
    await works();
  });
});

describe('bundler-visible URLs', () => {
  const loader = readFileSync(new URL('../../js/loader.js', import.meta.url), 'utf8');
  const worker = readFileSync(new URL('../../js/worker.js', import.meta.url), 'utf8');
  it('each packaged module is one static new URL(literal, import.meta.url)', () => {
    assert.match(loader, /new URL\('\.\.\/dist\/fastgrnn-simd\.wasm', import\.meta\.url\)/);
    assert.match(loader, /new URL\('\.\.\/dist\/fastgrnn\.wasm', import\.meta\.url\)/);
    for (const m of loader.matchAll(/new URL\(([^)]*)\)/g)) {
      assert.ok(!/\s\?\s/.test(m[1]), `no conditional inside new URL(): ${m[0]}`);
    }
  });
  it('the browser worker is created by the literal new Worker(new URL(...), { type: module }) form', () => {
    assert.match(worker,
      /new Worker\(new URL\('\.\/training-worker\.js', import\.meta\.url\), \{ type: 'module'/);
  });
});

describe('fastgrnn-wasm/embedded', () => {
  it('holds both modules and loads them without reading dist/*.wasm', () => {
    const script = `
      import { readFileSync } from 'node:fs';
      const { simd, scalar } = await import(${JSON.stringify(pathToFileURL(ROOT + 'dist/fastgrnn-embedded.js').href)});
      const same = (b64, file) => Buffer.from(b64, 'base64').equals(readFileSync(file));
      const fg = await import(${JSON.stringify(pathToFileURL(ROOT + 'js/embedded.js').href)});
      const { instantiate } = await import(${JSON.stringify(pathToFileURL(ROOT + 'js/loader.js').href)});
      const a = await instantiate({ simd: true }), b = await instantiate({ simd: false });
      const info = await fg.init({ simd: false });
      const m = new fg.FastGRNN({ inputDim: 2, hiddenDim: 3 });
      // the worker is handed the embedded bytes of the flavour asked for
      const { trainInWorker } = await import(${JSON.stringify(pathToFileURL(ROOT + 'js/worker.js').href)});
      const w = await trainInWorker({ features: [[1, 2], [2, 1], [0, 1], [1, 0]], labels: [0, 1, 0, 1],
        trainingConfig: { epochs: 1, validationSplit: 0 } }, { simd: false });
      console.log(JSON.stringify({ simd: same(simd, ${JSON.stringify(SIMD_PATH)}), scalar: same(scalar, ${JSON.stringify(SCALAR_PATH)}),
        sources: [a.source, b.source], flags: [a.simd, b.simd], info: info.simd, dim: m.inputDim,
        worker: [w.metrics.length, w.simd] }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), {
      simd: true, scalar: true, sources: ['embedded', 'embedded'], flags: [true, false], info: false, dim: 2,
      worker: [1, false],
    });
  });
});
