// helpers.js - shared by the browser tests: the demo server and Chromium.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOTS = path.join(ROOT, 'build', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Headless, no sandbox (root), no GPU, no background networking; the fresh
// profile directory is passed by Playwright as --user-data-dir
// (launchPersistentContext).
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
];

/**
 * Starts web/serve.js on a free port; resolves to { url, stop() }.
 * isolate: false serves without the cross-origin isolation headers (ISOLATE=0).
 */
export function startServer({ isolate = true } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'web', 'serve.js')], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ISOLATE: isolate ? '1' : '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve.js did not start within 10 s\n${out}${err}`));
    }, 10000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /http:\/\/[^\s]+\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[0],
          stop: () => new Promise((res) => {
            if (child.exitCode !== null) { res(); return; }
            child.once('exit', () => res());
            child.kill('SIGTERM');
            setTimeout(() => { if (child.exitCode === null) child.kill('SIGKILL'); }, 3000).unref();
          }),
        });
      }
    });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve.js exited with ${code}\n${out}${err}`));
    });
  });
}

/** A persistent context in a fresh profile directory; resolves to { context, dir, close() }. */
export async function launch(viewport = { width: 1280, height: 800 }) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fastgrnn-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    acceptDownloads: true,
    timeout: 60000,
  });
  return {
    context,
    dir,
    close: async () => {
      await context.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Collects console errors, page errors and failed requests of a page. */
export function watchErrors(page) {
  const errors = [];
  // (messages of the page's workers arrive here too)
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => {
    // downloads of blob: URLs are reported as aborted navigations; not errors
    if (!r.url().startsWith('blob:')) errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return errors;
}
