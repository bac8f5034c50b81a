// esbuild: bundle the app as an ES module into dist/src/ next to the training
// and data-parallel workers (further entry points: esbuild does not bundle
// new Worker(new URL('./training-worker.js', import.meta.url)) by itself).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
await build({
  entryPoints: [
    { in: 'src/main.js', out: 'main' },
    { in: 'node_modules/fastgrnn-wasm/js/training-worker.js', out: 'training-worker' },
    { in: 'node_modules/fastgrnn-wasm/js/parallel-worker.js', out: 'parallel-worker' },
  ],
  bundle: true,
  format: 'esm',
  minify: true,
  outdir: 'dist/src',
});
copyFileSync('index.html', 'dist/index.html');
