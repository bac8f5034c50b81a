#!/usr/bin/env node
// serve.js - a small static server for the demo page (npm run serve).
//
// Serves the repository root on localhost, limited to what the page needs:
// the page itself (web/), the package's public entry points (js/, dist/) and
// the charting library from node_modules. "/" is the demo page.
//
//   PORT=8080 node web/serve.js        (PORT=0 picks a free port)
//   HOST=127.0.0.1                     (default; loopback only)
//   ISOLATE=0                          (serve without cross-origin isolation)
//
// Cross-origin isolation: every response carries
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
//   Cross-Origin-Resource-Policy: same-origin
// so the page (and its Web Workers, whose scripts come with the same headers)
// is crossOriginIsolated: SharedArrayBuffer and Atomics are available, and
// data-parallel training moves parameters and gradients through shared
// memory. Everything the page loads is same-origin, so nothing is blocked.
// ISOLATE=0 (or createServer({ isolate: false })) leaves the three headers
// out: the page is then not isolated and data-parallel training falls back
// to messages (the tests serve both ways).
//
// Prints "fastgrnn demo: http://HOST:PORT/" once listening.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.safetensors': 'application/octet-stream',
};

// URL prefixes that may be served (everything else is 404: no .git, no
// build trees, no sources).
const ALLOWED = ['/web/', '/js/', '/dist/', '/node_modules/uplot/dist/'];

/** The cross-origin isolation headers (COOP, COEP, CORP) every response carries. */
export const ISOLATION_HEADERS = Object.freeze({
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

function send(res, status, body, type = 'text/plain; charset=utf-8') {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

/**
 * Creates the server (not listening). Exported for tests and embedding.
 * isolate (default true): send the cross-origin isolation headers.
 */
export function createServer({ root = ROOT, log = false, isolate = true } = {}) {
  return http.createServer((req, res) => {
    if (isolate) {
      for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'method not allowed\n');
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    } catch {
      send(res, 400, 'bad request\n');
      return;
    }
    if (pathname === '/' || pathname === '/index.html') pathname = '/web/index.html';
    if (pathname === '/web' || pathname === '/web/') pathname = '/web/index.html';
    const file = path.resolve(root, '.' + path.posix.normalize(pathname));
    const inside = file.startsWith(root + path.sep);
    const allowed = ALLOWED.some((p) => pathname.startsWith(p)) && !pathname.includes('\0');
    if (!inside || !allowed) {
      if (log) console.log(`404 ${pathname}`);
      send(res, 404, `not found: ${pathname}\n`);
      return;
    }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) {
        if (log) console.log(`404 ${pathname}`);
        send(res, 404, `not found: ${pathname}\n`);
        return;
      }
      const type = MIME[path.extname(file).toLowerCase()] || 'application/octet-stream';
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': st.size,
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
      });
      if (req.method === 'HEAD') { res.end(); return; }
      const stream = fs.createReadStream(file);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    });
  });
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const port = process.env.PORT === undefined || process.env.PORT === '' ? 8080 : Number(process.env.PORT);
  const host = process.env.HOST || '127.0.0.1';
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve.js: PORT must be an integer in 0..65535, got ${process.env.PORT}`);
    process.exit(2);
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'fastgrnn.wasm'))) {
    console.error('serve.js: dist/fastgrnn.wasm is missing; run `npm run build` first');
  }
  if (!['', '0', '1'].includes(process.env.ISOLATE ?? '')) {
    console.error(`serve.js: ISOLATE must be 0 or 1, got ${process.env.ISOLATE}`);
    process.exit(2);
  }
  const isolate = process.env.ISOLATE !== '0';
  const server = createServer({ log: !!process.env.LOG, isolate });
  server.on('error', (e) => {
    console.error(`serve.js: cannot listen on ${host}:${port}: ${e.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => {
    const a = server.address();
    const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    console.log(`fastgrnn demo: http://${shown}:${a.port}/${isolate ? '' : ' (not cross-origin isolated)'}`);
  });
  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
