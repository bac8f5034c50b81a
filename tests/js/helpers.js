// Shared helpers for the JS tests (not a test file itself).
import * as fg from '../../js/index.js';

export { fg };

/** Module builds to test: FG_WASM=simd|scalar picks one, default both. */
export const FLAVORS = (() => {
  const env = process.env.FG_WASM;
  if (env === 'simd') return ['simd'];
  if (env === 'scalar') return ['scalar'];
  return ['simd', 'scalar'];
})();

export async function useFlavor(flavor) {
  const info = await fg.init({ simd: flavor === 'simd' });
  if (info.simd !== (flavor === 'simd')) throw new Error(`init did not load the ${flavor} module`);
  return info;
}

// The package's seeded generator and the specification's routing data.
export { seededRandom as rng, routingData } from '../../js/data.js';

/** Rows (arrays of numbers) of a flat array. */
export function rows(flat, width) {
  const out = [];
  for (let i = 0; i < flat.length; i += width) out.push(Array.from(flat.subarray(i, i + width)));
  return out;
}

/** Asserts that fn throws (or rejects with) FastGRNNError with `code` and a message matching `re`. */
export function expectError(code, re) {
  return (e) => {
    if (!(e instanceof fg.FastGRNNError)) throw new Error(`expected FastGRNNError, got ${e && e.stack}`);
    if (e.code !== code) throw new Error(`expected code ${code}, got ${e.code}: ${e.message}`);
    if (re && !re.test(e.message)) throw new Error(`message ${JSON.stringify(e.message)} does not match ${re}`);
    return true;
  };
}

export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---- wasm binary surgery for tests --------------------------------------

function readLeb(bytes, pos) {
  let result = 0, shift = 0, b;
  do {
    b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [result, pos];
}

function leb(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

/**
 * A copy of a wasm binary whose (defined) memory may grow to at most
 * `maxPages` 64 KiB pages, so tests can reach allocation failures cheaply.
 */
export function capMemory(bytes, maxPages) {
  const out = [...bytes.subarray(0, 8)];
  let pos = 8;
  let patched = false;
  while (pos < bytes.length) {
    const id = bytes[pos];
    const [size, start] = readLeb(bytes, pos + 1);
    const end = start + size;
    if (id === 5) {
      let [count, p] = readLeb(bytes, start);
      const body = [...leb(count)];
      for (let i = 0; i < count; i++) {
        const flags = bytes[p++];
        let initial;
        [initial, p] = readLeb(bytes, p);
        if (flags & 1) [, p] = readLeb(bytes, p);
        body.push(flags | 1, ...leb(initial), ...leb(Math.max(initial, maxPages)));
      }
      out.push(5, ...leb(body.length), ...body);
      patched = true;
    } else {
      for (let i = pos; i < end; i++) out.push(bytes[i]);
    }
    pos = end;
  }
  if (!patched) throw new Error('no memory section');
  return new Uint8Array(out);
}
