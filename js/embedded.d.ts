// Type declarations for fastgrnn-wasm/embedded (js/embedded.js): the same API
// as 'fastgrnn-wasm', with both WebAssembly modules embedded in the JavaScript.
export * from './index.js';
