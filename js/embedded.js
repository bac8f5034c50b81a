// embedded.js - fastgrnn-wasm with both WebAssembly modules inside the
// JavaScript (base64, dist/fastgrnn-embedded.js), for environments that
// cannot serve or bundle .wasm files: single-file builds, some serverless
// and browser-extension contexts. Same API as 'fastgrnn-wasm'; init() and
// the training worker use the embedded bytes unless given `wasm`.
//
//   import { init, FastGRNN } from 'fastgrnn-wasm/embedded';

import { setEmbeddedWasm } from './loader.js';
import { simd, scalar } from '../dist/fastgrnn-embedded.js';

function decode(base64) {
  const s = atob(base64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

setEmbeddedWasm({ simd: () => decode(simd), scalar: () => decode(scalar) });

export * from './index.js';
