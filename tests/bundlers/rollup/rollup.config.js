// Rollup: node-resolve finds the package; import-meta-assets emits the .wasm
// files that js/loader.js references with new URL('…', import.meta.url).
// Rollup does not bundle workers: the training, search and data-parallel
// workers are further inputs, written next to the app's chunk where
// js/worker.js, js/search.js and js/parallel.js look for them, and
// import-meta-assets leaves those files alone (it would copy the workers
// unbundled).
import { readFileSync } from 'node:fs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { importMetaAssets } from '@web/rollup-plugin-import-meta-assets';

// index.html next to the bundle (a stand-in for @rollup/plugin-html).
const html = {
  name: 'html',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'index.html', source: readFileSync('index.html', 'utf8') });
  },
};

export default {
  input: {
    main: 'src/main.js',
    'training-worker': 'node_modules/fastgrnn-wasm/js/training-worker.js',
    'search-worker': 'node_modules/fastgrnn-wasm/js/search-worker.js',
    'parallel-worker': 'node_modules/fastgrnn-wasm/js/parallel-worker.js',
  },
  // chunks (js/parallel.js is imported on demand) next to the workers too
  output: { dir: 'dist', format: 'es', entryFileNames: 'src/[name].js', chunkFileNames: 'src/[name]-[hash].js' },
  plugins: [
    nodeResolve({ browser: true }),
    importMetaAssets({ exclude: ['**/fastgrnn-wasm/js/worker.js', '**/fastgrnn-wasm/js/search.js', '**/fastgrnn-wasm/js/parallel.js'] }),
    html,
  ],
};
